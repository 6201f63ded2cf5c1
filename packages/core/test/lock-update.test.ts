import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock } from '../src/lock/file-lock.js';
import { readLock } from '../src/lock/read-lock.js';
import { serializeLock } from '../src/lock/serialize-lock.js';
import { updateLock } from '../src/lock/update-lock.js';
import { clearPendingTask, recordPendingTask } from '../src/store/pending-task.js';
import { sampleEntry, sampleKey } from './fixtures/store/samples.js';
import { finished, spawnFixture } from './fixtures/store/spawn-node.js';

let dir: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herogen-update-'));
  lockPath = join(dir, 'herogen.lock.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('updateLock', () => {
  it('creates the lock, and returns what it wrote', async () => {
    const result = await updateLock(lockPath, (lock) => {
      lock.images[sampleKey(1)] = sampleEntry(sampleKey(1), 1);
    });
    expect(Object.keys(result.images)).toEqual([sampleKey(1)]);
    expect(await readFile(lockPath, 'utf8')).toBe(serializeLock(result));
    expect(await readdir(dir)).toEqual(['herogen.lock.json']);
  });

  it('does not create a file for an empty lock, nor rewrite unchanged bytes', async () => {
    await updateLock(lockPath, () => {});
    expect(await readdir(dir)).toEqual([]);
    await updateLock(lockPath, (lock) => {
      lock.images[sampleKey(1)] = sampleEntry(sampleKey(1), 1);
    });
    const before = await stat(lockPath);
    // Same content assigned again: the atomic rename would give the file a new inode.
    await updateLock(lockPath, (lock) => {
      lock.images[sampleKey(1)] = sampleEntry(sampleKey(1), 1);
    });
    expect((await stat(lockPath)).ino).toBe(before.ino);
  });

  it('merges many concurrent updates from one process', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        updateLock(lockPath, async (lock) => {
          await new Promise((resolve) => setImmediate(resolve));
          lock.images[sampleKey(n)] = sampleEntry(sampleKey(n), n);
        }),
      ),
    );
    const lock = await readLock(lockPath);
    expect(Object.keys(lock.images)).toHaveLength(40);
  });

  it('merges updates from 4 processes writing 25 entries each', async () => {
    await updateLock(lockPath, (lock) => {
      lock.images[sampleKey(999)] = sampleEntry(sampleKey(999), 999);
    });
    const children = [1, 2, 3, 4].map((writer) =>
      finished(spawnFixture('lock-writer.mjs', [lockPath, String(writer), '25'])),
    );
    const outputs = await Promise.all(children);
    expect(outputs.every((output) => output.includes('done'))).toBe(true);
    const lock = await readLock(lockPath);
    expect(Object.keys(lock.images)).toHaveLength(101);
    for (const writer of [1, 2, 3, 4]) {
      for (let index = 0; index < 25; index++) {
        const key = `${String(writer).padStart(4, '0')}${index.toString(16).padStart(16, '0')}`;
        expect(lock.images[key]?.prompt).toBe(`writer ${writer} image ${index}`);
      }
    }
    // No lock directory or temp file left behind.
    expect(await readdir(dir)).toEqual(['herogen.lock.json']);
  });

  it('takes over the lock of a holder that died', async () => {
    // What a killed process leaves: the lock directory, no longer refreshed.
    await mkdir(`${lockPath}.lock`);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(`${lockPath}.lock`, longAgo, longAgo);
    await updateLock(lockPath, (lock) => {
      lock.images[sampleKey(1)] = sampleEntry(sampleKey(1), 1);
    });
    expect(Object.keys((await readLock(lockPath)).images)).toEqual([sampleKey(1)]);
  });

  it('waits for a live holder and times out with LOCK_IO', async () => {
    const hold = await acquireFileLock(lockPath);
    try {
      await expect(updateLock(lockPath, () => {}, { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'LOCK_IO',
        retryable: true,
      });
    } finally {
      await hold?.release();
    }
    await expect(updateLock(lockPath, () => {}, { timeoutMs: 200 })).resolves.toBeDefined();
  });

  it('stops waiting when aborted', async () => {
    const hold = await acquireFileLock(lockPath);
    const controller = new AbortController();
    try {
      const pending = updateLock(lockPath, () => {}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    } finally {
      await hold?.release();
    }
  });

  it('leaves the file unchanged and releases the lock when the mutation throws', async () => {
    await updateLock(lockPath, (lock) => {
      lock.images[sampleKey(1)] = sampleEntry(sampleKey(1), 1);
    });
    const before = await readFile(lockPath, 'utf8');
    await expect(
      updateLock(lockPath, (lock) => {
        delete lock.images[sampleKey(1)];
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readFile(lockPath, 'utf8')).toBe(before);
    await expect(updateLock(lockPath, () => {}, { timeoutMs: 100 })).resolves.toBeDefined();
  });

  it('writes concurrent updates together; a failing one fails alone, leaving no trace', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, n) =>
        updateLock(lockPath, (lock) => {
          lock.images[sampleKey(n)] = sampleEntry(sampleKey(n), n);
          if (n === 5) throw new Error('boom');
          if (n === 7) lock.images[sampleKey(n)] = { ...sampleEntry(sampleKey(n), n), bytes: -1 };
        }),
      ),
    );
    expect(results[5]).toMatchObject({ status: 'rejected', reason: { message: 'boom' } });
    expect(results[7]).toMatchObject({ status: 'rejected', reason: { code: 'INTERNAL' } });
    const stored = await readLock(lockPath);
    const expected = [0, 1, 2, 3, 4, 6, 8, 9, 10, 11].map((n) => sampleKey(n)).sort();
    expect(Object.keys(stored.images).sort()).toEqual(expected);
    for (const [n, result] of results.entries()) {
      if (n === 5 || n === 7) continue;
      // Each caller gets the lock as written, with its own entry in it.
      expect(result.status === 'fulfilled' && result.value.images[sampleKey(n)]).toBeTruthy();
    }
    // Updates made together are written together: callers share the lock of one write.
    const written = new Set(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
    expect(written.size).toBeLessThan(10);
  });

  it('refuses to write an invalid lock', async () => {
    await writeFile(lockPath, serializeLock({ version: 1, images: {}, pending: {} }));
    await expect(
      updateLock(lockPath, (lock) => {
        lock.images[sampleKey(1)] = { ...sampleEntry(sampleKey(1), 1), sha256: 'nope' };
      }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    expect((await readLock(lockPath)).images).toEqual({});
  });
});

describe('pending tasks', () => {
  it('records and clears a task id', async () => {
    const task = {
      provider: 'hiapi',
      model: 'gpt-image-2',
      taskId: 'task_abc',
      createdAt: '2025-01-02T03:04:05.000Z',
    };
    await recordPendingTask(lockPath, sampleKey(7), task);
    expect((await readLock(lockPath)).pending[sampleKey(7)]).toEqual(task);
    await clearPendingTask(lockPath, sampleKey(7));
    expect((await readLock(lockPath)).pending).toEqual({});
  });
});
