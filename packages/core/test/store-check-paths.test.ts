import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStoredFiles, verifyOriginals } from '../src/store/check-stored.js';
import { originalNameProblem } from '../src/store/original-file.js';
import type { Lock, LockEntry } from '../src/types.js';
import { sampleEntry, sampleKey } from './fixtures/store/samples.js';

const OUT = 'src/assets/herogen';
let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'herogen-check-paths-'));
  root = join(base, 'site');
  await mkdir(join(root, OUT, 'variants'), { recursive: true });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A lock whose entries point at the given root-relative files, each holding `bytes` bytes. */
async function lockFor(files: Record<number, string>, write = true): Promise<Lock> {
  const lock: Lock = { version: 1, images: {}, pending: {} };
  for (const [n, file] of Object.entries(files)) {
    const entry: LockEntry = sampleEntry(sampleKey(Number(n)), Number(n), { file, bytes: 5 });
    if (write) await writeFile(join(root, file), 'bytes');
    lock.images[sampleKey(Number(n))] = entry;
  }
  return lock;
}

const named = (n: number, dir = OUT) => `${dir}/${sampleKey(n)}.png`;

describe('originalNameProblem', () => {
  const key = sampleKey(7);
  it('accepts originals, candidates and earlier takes named by their key', () => {
    expect(originalNameProblem(`${OUT}/${key}.png`, key, OUT, 'image')).toBeUndefined();
    expect(originalNameProblem(`${OUT}/variants/${key}.jpg`, key, OUT, 'image')).toBeUndefined();
    expect(
      originalNameProblem(
        `${OUT}/history/${key}/2026-01-01T00-00-00-000Z.webp`,
        key,
        OUT,
        'history',
      ),
    ).toBeUndefined();
    expect(originalNameProblem(`${key}.png`, key, '.', 'image')).toBeUndefined();
  });

  it('refuses anything else a lock could name', () => {
    for (const [file, kind] of [
      ['package.json', 'image'],
      ['src/content/blog/precious.md', 'image'],
      [`${OUT}/${sampleKey(8)}.png`, 'image'],
      [`${OUT}/${key}.md`, 'image'],
      [`${OUT}/sub/${key}.png`, 'image'],
      [`${OUT}/${key}.png`, 'history'],
      [`${OUT}/history/${sampleKey(8)}/a.png`, 'history'],
      [`${OUT}/history/${key}/.hidden.png`, 'history'],
      [`${OUT}/history/${key}/a/b.png`, 'history'],
    ] as const) {
      expect(originalNameProblem(file, key, OUT, kind), file).toMatch(/not (inside|named)/);
    }
  });
});

describe('checkStoredFiles: where a lock entry points', () => {
  it('trusts originals and candidates in outDir only, not the root, other folders or a folder linked outside', async () => {
    const outside = join(base, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, `${sampleKey(5)}.png`), 'bytes');
    await symlink(outside, join(root, OUT, 'linked'));
    await mkdir(join(root, 'other'));
    const lock = await lockFor({
      1: named(1),
      2: `${sampleKey(2)}.png`,
      3: `other/${sampleKey(3)}.png`,
      4: named(4, `${OUT}/variants`),
      7: 'package.json',
    });
    lock.images[sampleKey(5)] = sampleEntry(sampleKey(5), 5, {
      file: named(5, `${OUT}/linked`),
      bytes: 5,
    });
    lock.images[sampleKey(6)] = sampleEntry(sampleKey(6), 6, { file: named(6), bytes: 5 });
    const expected = {
      [sampleKey(1)]: 'ok',
      [sampleKey(2)]: 'corrupt',
      [sampleKey(3)]: 'corrupt',
      [sampleKey(4)]: 'ok',
      [sampleKey(5)]: 'corrupt',
      [sampleKey(6)]: 'missing',
      [sampleKey(7)]: 'corrupt',
    };
    expect(Object.fromEntries(await checkStoredFiles(root, OUT, lock))).toEqual(expected);
    expect(
      Object.fromEntries(await checkStoredFiles(root, OUT, lock, { hash: true })),
    ).toMatchObject({ [sampleKey(2)]: 'corrupt', [sampleKey(7)]: 'corrupt' });
    const tampered = (await verifyOriginals(root, OUT, lock)).filter((result) => result.tampered);
    expect(tampered.map((result) => result.key).sort()).toEqual(
      [2, 3, 5, 7].map((n) => sampleKey(n)),
    );
  });

  it('judges each folder once, file by file: a folder named like an original, a linked variants folder', async () => {
    const lock = await lockFor({ 1: named(1) });
    // Named like an original but a folder: inside the trusted folder, still not a plain file.
    await mkdir(join(root, named(3)));
    lock.images[sampleKey(3)] = sampleEntry(sampleKey(3), 3, { file: named(3), bytes: 5 });
    // The variants folder swapped for a link to a folder outside: judged on its own real path,
    // not trusted because the originals folder is.
    const outside = join(base, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, `${sampleKey(4)}.png`), 'bytes');
    await rm(join(root, OUT, 'variants'), { recursive: true });
    await symlink(outside, join(root, OUT, 'variants'));
    lock.images[sampleKey(4)] = sampleEntry(sampleKey(4), 4, {
      file: named(4, `${OUT}/variants`),
      bytes: 5,
    });
    expect(Object.fromEntries(await checkStoredFiles(root, OUT, lock))).toEqual({
      [sampleKey(1)]: 'ok',
      [sampleKey(3)]: 'corrupt',
      [sampleKey(4)]: 'corrupt',
    });
    const why = Object.fromEntries(
      (await verifyOriginals(root, OUT, lock)).map((result) => [result.key, result.tampered]),
    );
    expect(why[sampleKey(3)]).toBe('it is not a plain file');
    expect(why[sampleKey(4)]).toMatch(/outside the originals folder/);
  });

  it('gives the same answers for a relative root or one with a trailing separator', async () => {
    const lock = await lockFor({ 1: named(1), 2: 'top.png' });
    lock.images[sampleKey(3)] = sampleEntry(sampleKey(3), 3, { file: named(3), bytes: 5 });
    const expected = {
      [sampleKey(1)]: 'ok',
      [sampleKey(2)]: 'corrupt',
      [sampleKey(3)]: 'missing',
    };
    expect(Object.fromEntries(await checkStoredFiles(`${root}/`, OUT, lock))).toEqual(expected);
    expect(
      Object.fromEntries(await checkStoredFiles(relative(process.cwd(), root), OUT, lock)),
    ).toEqual(expected);
  });

  it('refuses an unnormalised path and one that escapes, unread', async () => {
    await writeFile(join(root, 'src', `${sampleKey(1)}.png`), 'bytes');
    const inside = await lockFor({ 1: `src/assets/../${sampleKey(1)}.png` }, false);
    expect((await checkStoredFiles(root, OUT, inside)).get(sampleKey(1))).toBe('corrupt');
    await writeFile(join(base, 'secret.png'), 'bytes');
    const escaping = await lockFor({ 1: '../secret.png' }, false);
    expect((await checkStoredFiles(root, OUT, escaping)).get(sampleKey(1))).toBe('corrupt');
  });
});
