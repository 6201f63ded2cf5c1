import { mkdirSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomicNow } from '../fs/atomic-write.js';
import { taskDir } from '../fs/project-layout.js';
import { isCacheKey } from '../key/cache-key.js';
import { pendingTaskSchema } from '../lock/schema.js';
import { type UpdateLockOptions, updateLock } from '../lock/update-lock.js';
import type { PendingTask } from '../types.js';

const SIDECAR_SUFFIX = '.task.json';

/**
 * Where a task id is written first, before the lock has it: one small file per key that no
 * other image waits for. Beside the journal of received images for the usual layout.
 */
export function pendingSidecarDir(lockPath: string): string {
  return taskDir(lockPath);
}

const sidecarPath = (lockPath: string, key: string) =>
  join(pendingSidecarDir(lockPath), `${key}${SIDECAR_SUFFIX}`);

/**
 * Persist an async provider task (hiapi) before polling it, so a crashed build resumes the
 * task instead of paying for a new one. The id is durable after one atomic write of its own
 * file; the lock (which other images may be updating) follows, and then the file is dropped.
 * A run killed in between has the file folded into the lock by `foldPendingTasks`.
 */
export async function recordPendingTask(
  lockPath: string,
  key: string,
  task: PendingTask,
  options?: UpdateLockOptions,
): Promise<void> {
  const sidecar = sidecarPath(lockPath, key);
  let written = false;
  try {
    // Synchronous for the same reason as the image journal: the task is already paid for.
    mkdirSync(dirname(sidecar), { recursive: true });
    writeFileAtomicNow(sidecar, JSON.stringify(task)).durable.catch(() => {});
    written = true;
  } catch {
    // The lock below still records it; only the window before that is unprotected.
  }
  await updateLock(
    lockPath,
    (lock) => {
      lock.pending[key] = { ...task };
    },
    options,
  );
  if (written) await rm(sidecar, { force: true }).catch(() => {});
}

/** Forget a pending task (it failed for good, or its image was stored). */
export async function clearPendingTask(
  lockPath: string,
  key: string,
  options?: UpdateLockOptions,
): Promise<void> {
  await rm(sidecarPath(lockPath, key), { force: true }).catch(() => {});
  await updateLock(
    lockPath,
    (lock) => {
      delete lock.pending[key];
    },
    options,
  );
}

/**
 * Move task ids that a killed run wrote down but did not get into the lock into its `pending`
 * section (unless the key already has a real image), then drop their files. `claim` is asked
 * for each key first; a key it refuses (a live process is working on it) is left alone.
 */
export async function foldPendingTasks(
  lockPath: string,
  claim: (key: string) => Promise<{ release(): Promise<void> } | null>,
): Promise<string[]> {
  const dir = pendingSidecarDir(lockPath);
  const names = await readdir(dir).catch(() => [] as string[]);
  const folded: string[] = [];
  for (const name of names) {
    const key = name.slice(0, -SIDECAR_SUFFIX.length);
    if (!name.endsWith(SIDECAR_SUFFIX) || !isCacheKey(key)) continue;
    const held = await claim(key);
    if (!held) continue;
    try {
      const file = join(dir, name);
      const parsed = pendingTaskSchema.safeParse(
        await readFile(file, 'utf8').then(JSON.parse, () => undefined),
      );
      if (parsed.success) {
        await updateLock(lockPath, (lock) => {
          const image = lock.images[key];
          if ((!image || image.placeholder) && !lock.pending[key]) {
            lock.pending[key] = parsed.data;
            folded.push(key);
          }
        });
      }
      await rm(file, { force: true });
    } finally {
      await held.release();
    }
  }
  return folded;
}
