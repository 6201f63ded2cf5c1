import { type UpdateLockOptions, updateLock } from '../lock/update-lock.js';
import type { PendingTask } from '../types.js';

/**
 * Persist an async provider task (hiapi) before polling it, so a crashed build resumes the
 * task instead of paying for a new one.
 */
export async function recordPendingTask(
  lockPath: string,
  key: string,
  task: PendingTask,
  options?: UpdateLockOptions,
): Promise<void> {
  await updateLock(
    lockPath,
    (lock) => {
      lock.pending[key] = { ...task };
    },
    options,
  );
}

/** Forget a pending task (it failed for good, or its image was stored). */
export async function clearPendingTask(
  lockPath: string,
  key: string,
  options?: UpdateLockOptions,
): Promise<void> {
  await updateLock(
    lockPath,
    (lock) => {
      delete lock.pending[key];
    },
    options,
  );
}
