import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Lock } from '../types.js';
import { acquireFileLock, serializeInProcess } from './file-lock.js';
import { readLockSnapshot } from './read-lock.js';
import { lockSchema } from './schema.js';
import { serializeLock } from './serialize-lock.js';

export interface UpdateLockOptions {
  /** How long to wait for other processes updating the same lock. @default 60_000 */
  timeoutMs?: number;
  /** A holder silent for this long is presumed dead and its lock taken over. @default 10_000 */
  staleMs?: number;
  signal?: AbortSignal;
}

/** Edit the lock in place, or return a replacement. */
// biome-ignore lint/suspicious/noConfusingVoidType: callers mostly mutate and return nothing.
export type LockMutation = (lock: Lock) => void | Lock | Promise<void | Lock>;

/**
 * Read-modify-write `herogen.lock.json` safely: one caller at a time in this process, and one
 * process at a time across processes (proper-lockfile on `<path>.lock`, taken over when its
 * holder died). The file is re-read inside the critical section, so concurrent builds merge
 * their entries instead of overwriting each other's, and written atomically; the write is
 * skipped when the bytes would not change. Returns the lock as it now stands.
 */
export async function updateLock(
  path: string,
  mutate: LockMutation,
  options: UpdateLockOptions = {},
): Promise<Lock> {
  const target = resolve(path);
  return serializeInProcess(`lock:${target}`, async () => {
    await mkdir(dirname(target), { recursive: true });
    let hold: Awaited<ReturnType<typeof acquireFileLock>>;
    try {
      hold = await acquireFileLock(target, {
        timeoutMs: options.timeoutMs ?? 60_000,
        staleMs: options.staleMs ?? 10_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (HerogenError.is(error)) throw error;
      throw lockIoError(target, 'lock', error);
    }
    if (!hold) {
      throw new HerogenError(
        'LOCK_IO',
        `Timed out waiting to update ${target}: another herogen process kept it locked.`,
        {
          retryable: true,
          hint: `If no other herogen is running, delete the directory ${target}.lock and retry.`,
        },
      );
    }
    try {
      const snapshot = await readLockSnapshot(target);
      const draft = snapshot.lock;
      const replaced = await mutate(draft);
      const next = replaced ?? draft;
      const checked = lockSchema.safeParse(next);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new HerogenError(
          'INTERNAL',
          `Refusing to write an invalid lock to ${target}: ${issue.path.map(String).join('.')}: ${issue.message}. The file was left unchanged.`,
        );
      }
      const text = serializeLock(next);
      const empty = Object.keys(next.images).length === 0 && Object.keys(next.pending).length === 0;
      const unchanged = snapshot.text === undefined ? empty : snapshot.text === text;
      if (!unchanged) {
        if (hold.compromised) {
          throw new HerogenError(
            'LOCK_IO',
            `Lost the lock on ${target} while updating it (the process stalled for too long); nothing was written, to avoid overwriting another process's changes.`,
            { retryable: true, cause: hold.compromised },
          );
        }
        try {
          await writeFileAtomic(target, text);
        } catch (error) {
          throw lockIoError(target, 'write', error);
        }
      }
      return next;
    } finally {
      await hold.release();
    }
  });
}

function lockIoError(target: string, action: 'lock' | 'write', error: unknown): HerogenError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new HerogenError('LOCK_IO', `Cannot ${action} ${target} (${code}).`, {
    cause: error,
    hint: 'Check that the project directory is writable.',
  });
}
