import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLock } from '../src/lock/read-lock.js';
import { recordPendingTask } from '../src/store/pending-task.js';
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
