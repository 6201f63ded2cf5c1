import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLock } from '../src/lock/read-lock.js';
import {
  clearPendingTask,
  pendingSidecarDir,
  recordPendingTask,
} from '../src/store/pending-task.js';
import { recoverIncoming } from '../src/store/recover-incoming.js';
import { storeOriginal } from '../src/store/store-original.js';
import { makeImage } from './fixtures/store/images.js';
import { sampleRequest } from './fixtures/store/samples.js';

const KEY = 'dddddddddddddddddddd';
const TASK = {
  provider: 'hiapi',
  model: 'gpt-image-2',
  taskId: 'tk-1',
  createdAt: '2025-01-01T00:00:00.000Z',
};
let root: string;
let lockPath: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-pending-'));
  lockPath = join(root, 'herogen.lock.json');
  await recordPendingTask(lockPath, KEY, TASK);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const store = async (placeholder?: { reason: string }) =>
  storeOriginal({
    root,
    outDir: 'src/assets/herogen',
    key: KEY,
    request: sampleRequest(),
    image: { bytes: await makeImage(64, 48), mediaType: 'image/png' },
    lockPath,
    ...(placeholder ? { placeholder } : {}),
  });

describe('a pending async task', () => {
  it('is kept when a stand-in is stored, so the next run resumes it instead of paying', async () => {
    await store({ reason: 'TIMEOUT: task still running' });
    const lock = await readLock(lockPath);
    expect(lock.images[KEY]?.placeholder).toBe(true);
    expect(lock.pending[KEY]).toEqual(TASK);
  });

  it('is cleared once its real image is stored', async () => {
    await store();
    const lock = await readLock(lockPath);
    expect(lock.images[KEY]?.placeholder).toBeUndefined();
    expect(lock.pending).toEqual({});
  });
});

describe('a task id written down by a run killed before the lock had it', () => {
  const OTHER = 'eeeeeeeeeeeeeeeeeeee';
  const leave = async (key: string, task = { ...TASK, taskId: 'tk-2' }) => {
    await mkdir(pendingSidecarDir(lockPath), { recursive: true });
    await writeFile(join(pendingSidecarDir(lockPath), `${key}.task.json`), JSON.stringify(task));
  };

  it('leaves nothing behind once the lock has it', async () => {
    await recordPendingTask(lockPath, OTHER, { ...TASK, taskId: 'tk-2' });
    expect(await readdir(pendingSidecarDir(lockPath))).toEqual([]);
    expect((await readLock(lockPath)).pending[OTHER]?.taskId).toBe('tk-2');
    await clearPendingTask(lockPath, OTHER);
    expect((await readLock(lockPath)).pending[OTHER]).toBeUndefined();
  });

  it('is folded into the lock when the next run starts, so the task is resumed', async () => {
    await leave(OTHER);
    await recoverIncoming({ root, lockPath, outDir: 'src/assets/herogen' });
    expect((await readLock(lockPath)).pending[OTHER]?.taskId).toBe('tk-2');
    expect(await readdir(pendingSidecarDir(lockPath))).toEqual([]);
  });

  it('is dropped when the image is already stored', async () => {
    await store();
    await leave(KEY);
    await recoverIncoming({ root, lockPath, outDir: 'src/assets/herogen' });
    expect((await readLock(lockPath)).pending[KEY]).toBeUndefined();
    expect(await readdir(pendingSidecarDir(lockPath))).toEqual([]);
  });
});
