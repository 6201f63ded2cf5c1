import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/fs/file-hash.js';
import { claimKey, resolveClaimDir } from '../src/lock/claim.js';
import { readLock } from '../src/lock/read-lock.js';
import { updateLock } from '../src/lock/update-lock.js';
import {
  incomingPath,
  listIncoming,
  readIncoming,
  resolveIncomingDir,
  writeIncoming,
} from '../src/store/incoming-journal.js';
import { recoverIncoming } from '../src/store/recover-incoming.js';
import { storeOriginal } from '../src/store/store-original.js';
import type { GeneratedImage } from '../src/types.js';
import { makeImage } from './fixtures/store/images.js';
import { sampleEntry, sampleRequest } from './fixtures/store/samples.js';
import { spawnFixture, waitForOutput } from './fixtures/store/spawn-node.js';

const KEY = 'aaaaaaaaaabbbbbbbbbb';
const RECEIVED = new Date('2025-05-06T07:08:09.000Z');
let root: string;
let lockPath: string;
const outDir = 'src/assets/herogen';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-incoming-'));
  lockPath = join(root, 'herogen.lock.json');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function paidImage(): Promise<GeneratedImage> {
  return {
    bytes: await makeImage(64, 48),
    mediaType: 'image/png',
    costUsd: 0.04,
    costConfidence: 'exact',
    requestId: 'req_123',
  };
}

/** Journal an image received for KEY, as storing does first. */
const journal = (image: GeneratedImage) =>
  writeIncoming(root, { key: KEY, request: sampleRequest(), image, receivedAt: RECEIVED });

const recover = (extra: { keys?: string[]; claim?: boolean } = {}) =>
  recoverIncoming({ root, lockPath, outDir, ...extra });

describe('the write-ahead journal of received images', () => {
  it('is written before the original and gone once the lock has the image', async () => {
    const image = await paidImage();
    const entry = await storeOriginal({
      root,
      outDir,
      key: KEY,
      request: sampleRequest(),
      image,
      lockPath,
    });
    expect((await readLock(lockPath)).images[KEY]).toEqual(entry);
    expect(await listIncoming(root)).toEqual([]);
  });

  it('keeps the record when the lock cannot be updated, and the next run records it', async () => {
    await writeFile(lockPath, '{ "version": 1, "images": {');
    const image = await paidImage();
    await expect(
      storeOriginal({ root, outDir, key: KEY, request: sampleRequest(), image, lockPath }),
    ).rejects.toMatchObject({ code: 'LOCK_INVALID' });
    // The original is on disk, the record too: nothing paid is lost.
    expect(await listIncoming(root)).toEqual([KEY]);
    await rm(lockPath);
    const [result] = await recover();
    expect(result?.outcome).toBe('recorded');
    const stored = (await readLock(lockPath)).images[KEY]!;
    expect(stored.sha256).toBe(sha256Hex(image.bytes));
    expect(stored.requestId).toBe('req_123');
    expect(stored.costUsd).toBe(0.04);
    expect(await readFile(join(root, stored.file))).toEqual(Buffer.from(image.bytes));
    expect(await listIncoming(root)).toEqual([]);
  });

  it('completes a record whose original was never written (killed right after receiving)', async () => {
    const image = await paidImage();
    journal(image);
    const [result] = await recover();
    expect(result?.outcome).toBe('recorded');
    const stored = (await readLock(lockPath)).images[KEY]!;
    expect(stored.file).toBe(`${outDir}/${KEY}.png`);
    expect(stored.createdAt).toBe(RECEIVED.toISOString());
    expect(stored.placeholder).toBeUndefined();
    expect(sha256Hex(await readFile(join(root, stored.file)))).toBe(stored.sha256);
    expect(await listIncoming(root)).toEqual([]);
  });

  it('drops a record the lock already has (killed after the lock update)', async () => {
    const image = await paidImage();
    const entry = await storeOriginal({
      root,
      outDir,
      key: KEY,
      request: sampleRequest(),
      image,
      lockPath,
    });
    journal(image);
    const lockBefore = await readFile(lockPath, 'utf8');
    const [result] = await recover();
    expect(result).toEqual({ key: KEY, outcome: 'already-stored', entry });
    expect(await readFile(lockPath, 'utf8')).toBe(lockBefore);
    expect(await listIncoming(root)).toEqual([]);
  });

  it('replaces a placeholder with the paid image it recorded', async () => {
    await updateLock(lockPath, (lock) => {
      lock.images[KEY] = sampleEntry(KEY, 1, { placeholder: true, provider: 'local' });
    });
    journal(await paidImage());
    const [result] = await recover();
    expect(result?.outcome).toBe('recorded');
    expect((await readLock(lockPath)).images[KEY]?.placeholder).toBeUndefined();
  });

  it('never overwrites another recorded take: the bytes are kept aside', async () => {
    await updateLock(lockPath, (lock) => {
      lock.images[KEY] = sampleEntry(KEY, 7);
    });
    const lockBefore = await readFile(lockPath, 'utf8');
    journal(await paidImage());
    expect(await recover()).toEqual([]);
    expect(await readFile(lockPath, 'utf8')).toBe(lockBefore);
    expect(await listIncoming(root)).toEqual([]);
    const kept = await readdir(join(root, 'node_modules/.cache/herogen/rejected'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(new RegExp(`^${KEY}-\\d+\\.journal$`));
  });

  it('moves a damaged record aside instead of deleting it', async () => {
    await mkdir(resolveIncomingDir(root), { recursive: true });
    await writeFile(incomingPath(root, KEY), '{"version":2,"key":');
    expect(await readIncoming(root, KEY)).toBe('invalid');
    expect(await recover()).toEqual([]);
    expect(await listIncoming(root)).toEqual([]);
    expect(await readdir(join(root, 'node_modules/.cache/herogen/rejected'))).toHaveLength(1);
    expect((await readLock(lockPath)).images).toEqual({});
  });

  it('detects bytes that do not match their recorded hash', async () => {
    await journal(await paidImage()).durable;
    const record = await readFile(incomingPath(root, KEY));
    // Flip one byte of the image, keeping the length.
    record[record.length - 20] = record[record.length - 20]! ^ 0xff;
    await writeFile(incomingPath(root, KEY), record);
    expect(await readIncoming(root, KEY)).toBe('invalid');
  });

  it('detects a record cut off before its last byte', async () => {
    await journal(await paidImage()).durable;
    const record = await readFile(incomingPath(root, KEY));
    await writeFile(incomingPath(root, KEY), record.subarray(0, record.length - 1));
    expect(await readIncoming(root, KEY)).toBe('invalid');
  });

  it('holds a JSON header line and then the bytes exactly as received, not base64', async () => {
    const image = await paidImage();
    const { path, durable } = journal(image);
    // On disk (for a kill) before the fsyncs have run.
    const record = await readFile(path);
    const newline = record.indexOf(0x0a);
    const header = JSON.parse(record.subarray(0, newline).toString('utf8'));
    expect(header).toMatchObject({
      version: 2,
      key: KEY,
      length: image.bytes.byteLength,
      sha256: sha256Hex(image.bytes),
      image: { mediaType: 'image/png', costUsd: 0.04, requestId: 'req_123' },
    });
    expect(record.subarray(newline + 1)).toEqual(Buffer.from(image.bytes));
    await durable;
    const read = await readIncoming(root, KEY);
    expect(read).not.toBe('invalid');
    expect(Buffer.from((read as { image: GeneratedImage }).image.bytes)).toEqual(
      Buffer.from(image.bytes),
    );
  });

  it('keeps unusable bytes in the rejected folder and records nothing', async () => {
    const image = { ...(await paidImage()), bytes: new TextEncoder().encode('<html>oops</html>') };
    journal(image);
    const [result] = await recover();
    expect(result?.outcome).toBe('rejected');
    expect((await readLock(lockPath)).images).toEqual({});
    expect(await listIncoming(root)).toEqual([]);
    expect(await readdir(join(root, 'node_modules/.cache/herogen/rejected'))).toHaveLength(1);
  });

  it('leaves a record alone while a live process holds its claim', async () => {
    journal(await paidImage());
    const claim = await claimKey(root, KEY);
    expect(await recover()).toEqual([]);
    expect(await listIncoming(root)).toEqual([KEY]);
    // The holder itself completes it without claiming again.
    const [result] = await recover({ keys: [KEY], claim: false });
    expect(result?.outcome).toBe('recorded');
    await claim?.release();
  });

  it('clears the lock and claims of a killed run when a run starts', async () => {
    const child = spawnFixture('claim-hold.mjs', [root, KEY, '10000']);
    await waitForOutput(child, 'claimed');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(await readdir(resolveClaimDir(root))).toEqual([`${KEY}.lock`, `${KEY}.lock.owner`]);
    const live = await claimKey(root, 'cccccccccccccccccccc');
    expect(await recover()).toEqual([]);
    // The dead holder's claim is gone; the live one is untouched.
    expect((await readdir(resolveClaimDir(root))).sort()).toEqual([
      'cccccccccccccccccccc.lock',
      'cccccccccccccccccccc.lock.owner',
    ]);
    await live?.release();
  });

  it('is not written for stand-ins', async () => {
    await storeOriginal({
      root,
      outDir,
      key: KEY,
      request: sampleRequest(),
      image: await paidImage(),
      lockPath,
      placeholder: { reason: 'offline' },
    });
    expect(await readdir(join(root, 'node_modules')).catch(() => [])).toEqual([]);
  });
});
