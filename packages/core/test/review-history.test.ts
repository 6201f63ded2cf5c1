import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/fs/file-hash.js';
import { parseLock, readLock } from '../src/lock/read-lock.js';
import { serializeLock } from '../src/lock/serialize-lock.js';
import { updateLock } from '../src/lock/update-lock.js';
import { archiveOriginal, historyStamp } from '../src/store/archive-original.js';
import type { LockEntry } from '../src/types.js';

const KEY = 'a1b2c3d4e5f60718293a';
let root: string;
let lockPath: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'herogen-history-'));
  lockPath = path.join(root, 'herogen.lock.json');
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function storeFake(options: { placeholder?: boolean } = {}): Promise<Uint8Array> {
  const bytes = await sharp({
    create: { width: 64, height: 36, channels: 3, background: '#3366aa' },
  })
    .png()
    .toBuffer();
  await mkdir(path.join(root, 'src/assets/herogen'), { recursive: true });
  await writeFile(path.join(root, `src/assets/herogen/${KEY}.png`), bytes);
  const entry: LockEntry = {
    file: `src/assets/herogen/${KEY}.png`,
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    width: 64,
    height: 36,
    format: 'png',
    provider: 'openai',
    model: 'gpt-image-2',
    prompt: 'A fox',
    request: {
      provider: 'openai',
      model: 'gpt-image-2',
      prompt: 'A fox',
      size: '64x36',
      format: 'png',
      references: [],
      variant: 0,
    },
    createdAt: '2026-11-01T10:00:00.000Z',
    costUsd: 0.05,
    costConfidence: 'exact',
    requestId: 'req_1',
    ...(options.placeholder ? { placeholder: true } : {}),
  };
  await updateLock(lockPath, (lock) => {
    lock.images[KEY] = entry;
  });
  return bytes;
}

/** Archive the current original of KEY, as regenerate and pick do. */
const archive = (reason: 'regenerate' | 'pick', now?: Date) =>
  archiveOriginal({
    root,
    outDir: 'src/assets/herogen',
    lockPath,
    key: KEY,
    reason,
    ...(now ? { now: () => now } : {}),
  });

describe('archiveOriginal', () => {
  it('copies the paid original into history and records it in the lock', async () => {
    const bytes = await storeFake();
    const now = new Date('2026-11-22T10:22:33.123Z');
    const archived = await archive('regenerate', now);
    expect(archived?.entry.file).toBe(
      `src/assets/herogen/history/${KEY}/2026-11-22T10-22-33-123Z.png`,
    );
    expect(await readFile(path.join(root, archived!.entry.file))).toEqual(Buffer.from(bytes));
    // The current file stays in place until a new take replaces it.
    expect(await readFile(path.join(root, `src/assets/herogen/${KEY}.png`))).toEqual(
      Buffer.from(bytes),
    );
    const lock = await readLock(lockPath);
    expect(lock.history?.[KEY]).toHaveLength(1);
    expect(lock.history?.[KEY]?.[0]).toMatchObject({
      reason: 'regenerate',
      replacedAt: now.toISOString(),
      requestId: 'req_1',
      costUsd: 0.05,
      sha256: sha256Hex(bytes),
    });
    // The lock with history round-trips through its strict schema.
    expect(parseLock(serializeLock(lock), lockPath)).toEqual(lock);

    // The same bytes again (a redo killed and started over): kept once, and not this
    // attempt's to undo.
    const same = await archive('regenerate', new Date('2026-11-22T11:00:00.000Z'));
    expect(same?.entry).toEqual(archived?.entry);
    await same!.undo();
    expect((await readLock(lockPath)).history?.[KEY]).toHaveLength(1);
    expect(await readFile(path.join(root, archived!.entry.file))).toEqual(Buffer.from(bytes));

    // Other bytes in the same millisecond get a distinct file.
    const other = await sharp({
      create: { width: 64, height: 36, channels: 3, background: '#33aa66' },
    })
      .png()
      .toBuffer();
    await writeFile(path.join(root, `src/assets/herogen/${KEY}.png`), other);
    const again = await archive('pick', now);
    expect(again?.entry.file).toBe(
      `src/assets/herogen/history/${KEY}/2026-11-22T10-22-33-123Z-1.png`,
    );
    expect((await readLock(lockPath)).history?.[KEY]).toHaveLength(2);
  });

  it('adopts a copy a killed run wrote but never recorded instead of copying again', async () => {
    const bytes = await storeFake();
    const dir = path.join(root, 'src/assets/herogen/history', KEY);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, '2026-11-22T09-00-00-000Z.png'), bytes);
    const archived = await archive('regenerate');
    expect(archived?.entry.file).toBe(
      `src/assets/herogen/history/${KEY}/2026-11-22T09-00-00-000Z.png`,
    );
    expect(await readdir(dir)).toEqual(['2026-11-22T09-00-00-000Z.png']);
  });

  it('undo forgets the copy only while the current file still has the archived bytes', async () => {
    await storeFake();
    const first = await archive('regenerate');
    await first!.undo();
    expect((await readLock(lockPath)).history).toBeUndefined();
    await expect(readFile(path.join(root, first!.entry.file))).rejects.toThrow();

    const second = await archive('regenerate');
    // A new take landed on disk (even if the lock update then failed): the copy must stay.
    await writeFile(path.join(root, `src/assets/herogen/${KEY}.png`), 'new bytes');
    await second!.undo();
    expect((await readLock(lockPath)).history?.[KEY]).toHaveLength(1);
    expect((await readFile(path.join(root, second!.entry.file))).byteLength).toBeGreaterThan(0);
  });

  it('keeps nothing for a placeholder or a missing file', async () => {
    await storeFake({ placeholder: true });
    expect(await archive('pick')).toBeUndefined();
    await rm(lockPath);
    await storeFake();
    await rm(path.join(root, `src/assets/herogen/${KEY}.png`));
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    expect(
      await archiveOriginal({
        root,
        outDir: 'src/assets/herogen',
        lockPath,
        key: KEY,
        reason: 'regenerate',
        logger,
      }),
    ).toBeUndefined();
    expect(warnings[0]).toContain('is gone');
  });

  it('keeps a hand-edited file too, noting that it did not match the lock', async () => {
    await storeFake();
    const edited = await sharp({
      create: { width: 64, height: 36, channels: 3, background: '#aa3366' },
    })
      .png()
      .toBuffer();
    await writeFile(path.join(root, `src/assets/herogen/${KEY}.png`), edited);
    const archived = await archive('regenerate');
    expect(archived?.entry.sha256).toBe(sha256Hex(edited));
    expect(archived?.entry.note).toContain('did not match the lock');
    expect(await readFile(path.join(root, archived!.entry.file))).toEqual(edited);
  });

  it('stamps are sortable and safe in file names', () => {
    expect(historyStamp(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02T03-04-05-006Z');
  });

  it('the lock schema rejects an unknown field in a history entry', async () => {
    await storeFake();
    await archive('pick');
    const data = JSON.parse(await readFile(lockPath, 'utf8'));
    data.history[KEY][0].surprise = true;
    expect(() => parseLock(JSON.stringify(data), lockPath)).toThrow(/history\.[0-9a-f]+\.0/);
  });
});
