import { describe, expect, it } from 'vitest';
import { isSurelyValidLock } from '../src/lock/fast-validate.js';
import { parseLock } from '../src/lock/read-lock.js';
import { isRootRelativePath, lockSchema } from '../src/lock/schema.js';
import { serializeLock } from '../src/lock/serialize-lock.js';
import type { Lock } from '../src/types.js';
import { sampleEntry, sampleKey, sampleRequest } from './fixtures/store/samples.js';

/** A valid lock using every field the schema knows, optional ones included. */
function fullLock(): Lock {
  const request = sampleRequest({
    aspect: '16:9',
    resolution: '2K',
    background: 'opaque',
    references: [{ path: 'src/refs/a.png', sha256: 'a'.repeat(64) }],
    variant: 2,
  });
  return {
    version: 1,
    images: {
      [sampleKey(1)]: sampleEntry(sampleKey(1), 1, {
        request,
        taskId: 'task_1',
        revisedPrompt: 'A lighthouse, dusk',
        placeholder: true,
        placeholderReason: 'no key',
        costUsd: null,
        costConfidence: 'unknown',
        createdAt: '2025-01-02T03:04:05+02:00',
      }),
      [sampleKey(2)]: sampleEntry(sampleKey(2), 2),
    },
    pending: {
      [sampleKey(3)]: {
        provider: 'hiapi',
        model: 'gpt-image-2',
        taskId: 'task_3',
        createdAt: '2025-01-02T03:04:05.000Z',
      },
    },
    history: {
      [sampleKey(1)]: [
        {
          ...sampleEntry(sampleKey(1), 4),
          replacedAt: '2025-02-02T03:04:05Z',
          reason: 'regenerate',
          note: 'too dark',
        },
      ],
    },
  };
}

/** Values that break some field or other: wrong types, edge numbers, bad paths and patterns. */
const ODD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  0,
  -0,
  -1,
  1,
  1.5,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  [],
  {},
  [{}],
  'png',
  '2K',
  'auto',
  'regenerate',
  '../escape.png',
  '/abs.png',
  'a//b.png',
  './a.png',
  'C:/a.png',
  'a\\b.png',
  'A'.repeat(64),
  'a'.repeat(64),
  'a'.repeat(63),
  '2025-01-02T03:04:05Z',
  '2025-01-02T03:04:05',
  '2025-01-02T03:04Z',
  '2025-13-02T03:04:05Z',
  '2025-01-02T03:04:05+24:00',
  '2025-01-02 03:04:05Z',
];

type Json = Record<string, unknown> | unknown[];

/** Every (parent, key, path) in a JSON value, depth first. */
function* slots(value: unknown, path = ''): Generator<[Json, string | number, string]> {
  if (typeof value !== 'object' || value === null) return;
  const names = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  for (const name of names) {
    const at = path ? `${path}.${name}` : String(name);
    yield [value as Json, name, at];
    yield* slots((value as Record<string | number, unknown>)[name], at);
  }
}

/** Copies of the lock, each with one change somewhere: a value replaced, a key dropped, added or renamed. */
function* mutations(): Generator<{ what: string; lock: unknown }> {
  const count = [...slots(fullLock())].length;
  for (let at = 0; at < count; at++) {
    const variants: { what: string; apply: (parent: Json, key: string | number) => void }[] = [
      ...ODD_VALUES.map((odd) => ({
        what: `= ${typeof odd === 'number' ? String(odd) : JSON.stringify(odd)}`,
        apply: (parent: Json, key: string | number) => {
          (parent as Record<string | number, unknown>)[key] = odd;
        },
      })),
      {
        what: 'deleted',
        apply: (parent, key) => {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key as string];
        },
      },
      {
        what: 'key renamed',
        apply: (parent, key) => {
          if (Array.isArray(parent)) return;
          parent[`${String(key)}X`] = parent[key as string];
          delete parent[key as string];
        },
      },
      {
        what: 'unknown field beside it',
        apply: (parent) => {
          if (!Array.isArray(parent)) parent.apiKey = 'sk-secret';
        },
      },
    ];
    for (const variant of variants) {
      const lock = structuredClone(fullLock());
      const [parent, key, path] = [...slots(lock)][at]!;
      variant.apply(parent, key);
      yield { what: `${path} ${variant.what}`, lock };
    }
  }
}

describe('isSurelyValidLock (the fast path of lock validation)', () => {
  it('vouches for a valid lock using every field, so the fast path is taken', () => {
    expect(lockSchema.safeParse(fullLock()).success).toBe(true);
    expect(isSurelyValidLock(fullLock())).toBe(true);
    expect(isSurelyValidLock(JSON.parse(serializeLock(fullLock())))).toBe(true);
    expect(isSurelyValidLock({ version: 1, images: {}, pending: {} })).toBe(true);
  });

  it('agrees with zod on every one-change mutation of a valid lock', () => {
    let checked = 0;
    let rejected = 0;
    const disagreements: string[] = [];
    for (const { what, lock } of mutations()) {
      checked++;
      const zodAccepts = lockSchema.safeParse(lock).success;
      if (!zodAccepts) rejected++;
      // Never "valid" where zod says invalid; and no valid lock left to the slow path either.
      if (isSurelyValidLock(lock) !== zodAccepts) disagreements.push(`${what}: zod ${zodAccepts}`);
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(3000);
    expect(rejected).toBeGreaterThan(checked / 2);
  });

  it('leaves the wording of errors to zod: parseLock still names the field', () => {
    const lock = fullLock() as unknown as { history: Record<string, { reason: string }[]> };
    lock.history[sampleKey(1)]![0]!.reason = 'whim';
    expect(() => parseLock(JSON.stringify(lock), '/tmp/herogen.lock.json')).toThrow(
      expect.objectContaining({
        code: 'LOCK_INVALID',
        location: expect.objectContaining({ field: `history.${sampleKey(1)}.0.reason` }),
      }),
    );
  });

  it('returns the parsed lock as is', () => {
    const text = serializeLock(fullLock());
    expect(parseLock(text, '/tmp/herogen.lock.json')).toEqual(JSON.parse(text));
  });
});

describe('isRootRelativePath', () => {
  // The rule as first written: split on "/" and refuse "", "." and ".." segments.
  const reference = (value: string) =>
    value.length > 0 &&
    !value.startsWith('/') &&
    !/^[A-Za-z]:/.test(value) &&
    !value.includes('\\') &&
    value.split('/').every((part) => part !== '..' && part !== '.' && part !== '');

  it('gives the same answer as the split-based rule for every short path', () => {
    const alphabet = ['a', '.', '/', '\\', ':', 'C'];
    let strings = [''];
    const all = [''];
    for (let length = 1; length <= 6; length++) {
      strings = strings.flatMap((prefix) => alphabet.map((char) => prefix + char));
      all.push(...strings);
    }
    const differ = all.filter((value) => isRootRelativePath(value) !== reference(value));
    expect(differ).toEqual([]);
    expect(all.filter(isRootRelativePath).length).toBeGreaterThan(1000);
    expect(isRootRelativePath('src/assets/herogen/abc.png')).toBe(true);
    expect(isRootRelativePath('src/../etc/passwd')).toBe(false);
    expect(isRootRelativePath('a/...')).toBe(true);
  });
});
