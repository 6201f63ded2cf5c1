import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/fs/file-hash.js';
import { checkStoredFiles, verifyOriginals } from '../src/store/check-stored.js';
import type { Lock } from '../src/types.js';
import { makeImage } from './fixtures/store/images.js';
import { sampleEntry, sampleKey } from './fixtures/store/samples.js';

const OUT = 'src/assets/herogen';
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-check-'));
  await mkdir(join(root, 'src', 'assets', 'herogen'), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Write `count` originals (real 64×48 PNGs, each made unique by trailing bytes) and a lock. */
async function storedProject(count: number): Promise<Lock> {
  const lock: Lock = { version: 1, images: {}, pending: {} };
  const png = await makeImage(64, 48);
  await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const key = sampleKey(n);
      const bytes = Buffer.concat([png, Buffer.from(`image ${n} `.repeat(3 + (n % 5)))]);
      const entry = sampleEntry(key, n, { sha256: sha256Hex(bytes), bytes: bytes.length });
      await writeFile(join(root, entry.file), bytes);
      lock.images[key] = entry;
    }),
  );
  return lock;
}

describe('checkStoredFiles', () => {
  it('reports ok, missing and corrupt files', async () => {
    const lock = await storedProject(5);
    const file = (n: number) => join(root, lock.images[sampleKey(n)]!.file);
    await rm(file(1));
    await writeFile(file(2), 'not an image at all, and a different size');
    await rm(file(3));
    await mkdir(file(3));
    const states = await checkStoredFiles(root, OUT, lock);
    expect(Object.fromEntries(states)).toEqual({
      [sampleKey(0)]: 'ok',
      [sampleKey(1)]: 'missing',
      [sampleKey(2)]: 'corrupt',
      [sampleKey(3)]: 'corrupt',
      [sampleKey(4)]: 'ok',
    });
  });

  it('finds a same-size change only when hashing', async () => {
    const lock = await storedProject(2);
    const path = join(root, lock.images[sampleKey(1)]!.file);
    const bytes = await readFile(path);
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(path, bytes);
    expect((await checkStoredFiles(root, OUT, lock)).get(sampleKey(1))).toBe('ok');
    expect((await checkStoredFiles(root, OUT, lock, { hash: true })).get(sampleKey(1))).toBe(
      'corrupt',
    );
    expect((await checkStoredFiles(root, OUT, lock, { hash: true })).get(sampleKey(0))).toBe('ok');
  });

  it('handles thousands of entries', async () => {
    const lock = await storedProject(2000);
    await rm(join(root, lock.images[sampleKey(1234)]!.file));
    const states = await checkStoredFiles(root, OUT, lock, { concurrency: 16 });
    expect(states.size).toBe(2000);
    expect([...states.values()].filter((state) => state === 'ok')).toHaveLength(1999);
    expect(states.get(sampleKey(1234))).toBe('missing');
  });
});

describe('what a hand-edited lock cannot vouch for', () => {
  it('a file whose hash matches but which is not the image the lock describes', async () => {
    const lock = await storedProject(2);
    const text = 'not an image, whatever the lock says';
    const entry = lock.images[sampleKey(1)]!;
    await writeFile(join(root, entry.file), text);
    lock.images[sampleKey(1)] = { ...entry, sha256: sha256Hex(text), bytes: text.length };
    const states = await checkStoredFiles(root, OUT, lock, { hash: true });
    expect(states.get(sampleKey(0))).toBe('ok');
    expect(states.get(sampleKey(1))).toBe('corrupt');
    // Right bytes, wrong recorded size: also caught.
    lock.images[sampleKey(0)] = { ...lock.images[sampleKey(0)]!, width: 640 };
    expect((await checkStoredFiles(root, OUT, lock, { hash: true })).get(sampleKey(0))).toBe(
      'corrupt',
    );
  });

  it('an original that is a symlink to a file outside the project is never read', async () => {
    const lock = await storedProject(1);
    const outside = await mkdtemp(join(tmpdir(), 'herogen-outside-'));
    try {
      const entry = lock.images[sampleKey(0)]!;
      const secret = join(outside, 'secret.png');
      await writeFile(secret, await readFile(join(root, entry.file)));
      await rm(join(root, entry.file));
      await symlink(secret, join(root, entry.file));
      const [result] = await verifyOriginals(root, OUT, lock);
      expect(result?.state).toBe('corrupt');
      expect(result?.actualSha256).toBeUndefined();
      expect((await checkStoredFiles(root, OUT, lock)).get(sampleKey(0))).toBe('corrupt');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('follows a symlinked originals folder: inside the project ok, outside corrupt', async () => {
    const lock = await storedProject(2);
    const herogen = join(root, 'src', 'assets', 'herogen');
    // Inside: the folder moved elsewhere in the project and linked back.
    await mkdir(join(root, 'store'));
    await rename(herogen, join(root, 'store', 'herogen'));
    await symlink(join(root, 'store', 'herogen'), herogen);
    const inside = await checkStoredFiles(root, OUT, lock);
    expect([...inside.values()]).toEqual(['ok', 'ok']);
    // Outside: the same files, reached through a folder outside the project.
    const outside = await mkdtemp(join(tmpdir(), 'herogen-outside-'));
    try {
      await rm(herogen);
      await rename(join(root, 'store', 'herogen'), join(outside, 'herogen'));
      await symlink(join(outside, 'herogen'), herogen);
      const states = await checkStoredFiles(root, OUT, lock);
      expect([...states.values()]).toEqual(['corrupt', 'corrupt']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('verifyOriginals', () => {
  it('reports expected and actual sha256 and detects one modified byte', async () => {
    const lock = await storedProject(3);
    const entry = lock.images[sampleKey(2)]!;
    const path = join(root, entry.file);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    await writeFile(path, bytes);
    await rm(join(root, lock.images[sampleKey(0)]!.file));

    const results = await verifyOriginals(root, OUT, lock);
    expect(results.map((result) => [result.key, result.state])).toEqual([
      [sampleKey(0), 'missing'],
      [sampleKey(1), 'ok'],
      [sampleKey(2), 'corrupt'],
    ]);
    const changed = results[2]!;
    expect(changed.expectedSha256).toBe(entry.sha256);
    expect(changed.actualSha256).toBe(sha256Hex(bytes));
    expect(changed.actualSha256).not.toBe(changed.expectedSha256);
    expect(changed.actualBytes).toBe(entry.bytes);
    expect(results[0]!.actualSha256).toBeUndefined();
    expect(results[1]!.actualSha256).toBe(results[1]!.expectedSha256);
  });

  it('reports the actual hash of a file whose size changed', async () => {
    const lock = await storedProject(1);
    const path = join(root, lock.images[sampleKey(0)]!.file);
    await writeFile(path, 'short');
    const [result] = await verifyOriginals(root, OUT, lock);
    expect(result).toMatchObject({
      state: 'corrupt',
      actualBytes: 5,
      actualSha256: sha256Hex('short'),
    });
  });
});
