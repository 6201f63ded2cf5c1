import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStoredFiles } from '../src/store/check-stored.js';
import type { Lock, LockEntry } from '../src/types.js';
import { sampleEntry, sampleKey } from './fixtures/store/samples.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'herogen-check-paths-'));
  root = join(base, 'site');
  await mkdir(join(root, 'src', 'assets', 'herogen'), { recursive: true });
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

describe('checkStoredFiles: where a lock entry points', () => {
  it('checks files in several folders, at the root too, and refuses a folder linked outside', async () => {
    const outside = join(base, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, 'c.png'), 'bytes');
    await symlink(outside, join(root, 'linked'));
    await mkdir(join(root, 'other'));
    const lock = await lockFor({
      1: 'src/assets/herogen/a.png',
      2: 'root-level.png',
      3: 'other/b.png',
      4: 'src/assets/herogen/d.png',
    });
    lock.images[sampleKey(5)] = sampleEntry(sampleKey(5), 5, { file: 'linked/c.png', bytes: 5 });
    lock.images[sampleKey(6)] = sampleEntry(sampleKey(6), 6, { file: 'other/gone.png', bytes: 5 });
    const states = await checkStoredFiles(root, lock);
    expect(Object.fromEntries(states)).toEqual({
      [sampleKey(1)]: 'ok',
      [sampleKey(2)]: 'ok',
      [sampleKey(3)]: 'ok',
      [sampleKey(4)]: 'ok',
      [sampleKey(5)]: 'corrupt',
      [sampleKey(6)]: 'missing',
    });
  });

  it('gives the same answers for a relative root or one with a trailing separator', async () => {
    const lock = await lockFor({ 1: 'src/assets/herogen/a.png', 2: 'top.png' });
    lock.images[sampleKey(3)] = sampleEntry(sampleKey(3), 3, { file: 'missing.png', bytes: 5 });
    const expected = {
      [sampleKey(1)]: 'ok',
      [sampleKey(2)]: 'ok',
      [sampleKey(3)]: 'missing',
    };
    expect(Object.fromEntries(await checkStoredFiles(`${root}/`, lock))).toEqual(expected);
    expect(Object.fromEntries(await checkStoredFiles(relative(process.cwd(), root), lock))).toEqual(
      expected,
    );
  });

  it('resolves an unnormalised path that stays inside, and refuses one that escapes', async () => {
    await writeFile(join(root, 'src', 'x.png'), 'bytes');
    const inside = await lockFor({ 1: 'src/assets/../x.png' }, false);
    expect((await checkStoredFiles(root, inside)).get(sampleKey(1))).toBe('ok');
    await writeFile(join(base, 'secret.png'), 'bytes');
    const escaping = await lockFor({ 1: '../secret.png' }, false);
    await expect(checkStoredFiles(root, escaping)).rejects.toMatchObject({
      code: 'PATH_OUTSIDE_ROOT',
    });
  });
});
