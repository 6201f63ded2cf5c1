import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { parseLock, readLock } from '../src/lock/read-lock.js';
import { createEmptyLock, serializeLock } from '../src/lock/serialize-lock.js';
import { updateLock } from '../src/lock/update-lock.js';
import type { Lock } from '../src/types.js';
import { sampleEntry, sampleKey } from './fixtures/store/samples.js';

let dir: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herogen-lock-'));
  lockPath = join(dir, 'herogen.lock.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<HerogenError> {
  try {
    await promise;
  } catch (error) {
    if (HerogenError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function sampleLock(): Lock {
  return {
    version: 1,
    images: {
      [sampleKey(2)]: sampleEntry(sampleKey(2), 2),
      [sampleKey(1)]: sampleEntry(sampleKey(1), 1),
    },
    pending: {
      [sampleKey(3)]: {
        provider: 'hiapi',
        model: 'gpt-image-2',
        taskId: 'task_123',
        createdAt: '2025-01-02T03:04:05.000Z',
      },
    },
  };
}

describe('readLock', () => {
  it('reads a missing file as an empty lock', async () => {
    expect(await readLock(lockPath)).toEqual(createEmptyLock());
  });

  it('round-trips a valid lock', async () => {
    await writeFile(lockPath, serializeLock(sampleLock()));
    expect(await readLock(lockPath)).toEqual(sampleLock());
  });

  it('names file, line and column for invalid JSON and says how to recover', async () => {
    const text = serializeLock(sampleLock()).replace('"bytes": 1001,', '"bytes": 1001');
    await writeFile(lockPath, text);
    const error = await rejection(readLock(lockPath));
    expect(error.code).toBe('LOCK_INVALID');
    expect(error.location?.file).toContain('herogen.lock.json');
    const expectedLine = text.split('\n').findIndex((line) => line.includes('"bytes": 1001')) + 2;
    expect(error.location?.line).toBe(expectedLine);
    expect(error.location?.column).toBeGreaterThan(0);
    expect(error.message).toContain(`line ${expectedLine}`);
    expect(error.hint).toContain('git checkout -- ');
    expect(error.hint).toContain('herogen.lock.json');
  });

  it('locates an unexpected token (V8 gives no position for it)', () => {
    const text = serializeLock(sampleLock()).replace('"references": []', '"references": [,]');
    const line = text.split('\n').findIndex((row) => row.includes('[,]')) + 1;
    expect(() => parseLock(text, lockPath)).toThrow(
      expect.objectContaining({ location: expect.objectContaining({ line }) }),
    );
  });

  it('reports a truncated file', async () => {
    const text = serializeLock(sampleLock());
    await writeFile(lockPath, text.slice(0, text.length / 2));
    const error = await rejection(readLock(lockPath));
    expect(error.code).toBe('LOCK_INVALID');
    expect(error.location?.line).toBeGreaterThan(1);
  });

  it('recognises git merge conflicts', async () => {
    const text = `<<<<<<< HEAD\n${serializeLock(sampleLock())}=======\n{}\n>>>>>>> branch\n`;
    await writeFile(lockPath, text);
    const error = await rejection(readLock(lockPath));
    expect(error.code).toBe('LOCK_INVALID');
    expect(error.message).toContain('merge conflict');
    expect(error.location?.line).toBe(1);
  });

  it('names the field path of a schema violation', async () => {
    const lock = sampleLock();
    lock.images[sampleKey(1)]!.sha256 = 'not-a-hash';
    await writeFile(lockPath, serializeLock(lock));
    const error = await rejection(readLock(lockPath));
    expect(error.code).toBe('LOCK_INVALID');
    expect(error.location?.field).toBe(`images.${sampleKey(1)}.sha256`);
    expect(error.message).toContain(`images.${sampleKey(1)}.sha256`);
  });

  it('is strict: unknown fields, escaping paths and other versions are errors', () => {
    const extra = JSON.parse(serializeLock(sampleLock()));
    extra.images[sampleKey(1)].apiKey = 'sk-secret';
    expect(() => parseLock(JSON.stringify(extra), lockPath)).toThrow(/images\.0+1/);

    const escaping = sampleLock();
    escaping.images[sampleKey(1)]!.file = '../../etc/passwd';
    expect(() => parseLock(serializeLock(escaping), lockPath)).toThrow(
      expect.objectContaining({
        code: 'LOCK_INVALID',
        location: expect.objectContaining({ field: `images.${sampleKey(1)}.file` }),
      }),
    );

    expect(() => parseLock('{"version":2,"images":{},"pending":{}}', lockPath)).toThrow(
      /newer herogen/,
    );
  });

  it('reads a whitespace-only file as empty, and accepts a byte-order mark', () => {
    expect(parseLock('  \n', lockPath)).toEqual(createEmptyLock());
    expect(parseLock(`\uFEFF${serializeLock(sampleLock())}`, lockPath)).toEqual(sampleLock());
  });
});

describe('serializeLock', () => {
  it('sorts keys recursively with 2-space indent and a trailing newline', () => {
    const text = serializeLock(sampleLock());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "images": {');
    expect(text.indexOf(sampleKey(1))).toBeLessThan(text.indexOf(sampleKey(2)));
    const entryKeys = Object.keys(JSON.parse(text).images[sampleKey(1)]);
    expect(entryKeys).toEqual([...entryKeys].sort());
    // Arrays keep their order.
    const lock = sampleLock();
    lock.images[sampleKey(1)]!.request.references = [
      { path: 'z.png', sha256: 'f'.repeat(64) },
      { path: 'a.png', sha256: 'e'.repeat(64) },
    ];
    expect(JSON.parse(serializeLock(lock)).images[sampleKey(1)].request.references[0].path).toBe(
      'z.png',
    );
  });

  it('gives identical bytes when re-serializing an unchanged lock', async () => {
    const first = serializeLock(sampleLock());
    const again = serializeLock(parseLock(first, lockPath));
    expect(again).toBe(first);
    await writeFile(lockPath, first);
    await updateLock(lockPath, () => {});
    expect(await readFile(lockPath, 'utf8')).toBe(first);
  });
});

describe('updateLock on a damaged lock', () => {
  it('refuses to run and leaves the file byte-for-byte untouched', async () => {
    const damaged = `${serializeLock(sampleLock()).slice(0, -3)}\n`;
    await writeFile(lockPath, damaged);
    let called = false;
    const error = await rejection(
      updateLock(lockPath, (lock) => {
        called = true;
        lock.images = {};
      }),
    );
    expect(error.code).toBe('LOCK_INVALID');
    expect(called).toBe(false);
    expect(await readFile(lockPath, 'utf8')).toBe(damaged);
  });
});
