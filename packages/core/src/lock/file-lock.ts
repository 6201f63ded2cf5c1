import { setTimeout as sleep } from 'node:timers/promises';
import { lock as properLock } from 'proper-lockfile';
import { HerogenError } from '../errors.js';

export interface AcquireOptions {
  /**
   * A lock whose holder has not refreshed it for this long is taken over: the holder is
   * assumed dead. Holders refresh every `staleMs / 2`. proper-lockfile's minimum is 2000.
   * @default 10_000
   */
  staleMs?: number;
  /** Give up after this long; `0` tries once. @default 60_000 */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where the lock directory goes. @default `${target}.lock` */
  lockfilePath?: string;
}

/** An exclusive hold on a path, across processes. */
export interface FileLockHold {
  /** Set when the lock was lost while held (its holder stalled past `staleMs`). */
  readonly compromised: Error | undefined;
  /** True when someone else held it first and this caller had to wait. */
  readonly waited: boolean;
  release(): Promise<void>;
}

const MIN_DELAY_MS = 15;
const MAX_DELAY_MS = 250;

function abortError(signal: AbortSignal, what: string): HerogenError {
  return new HerogenError('ABORTED', `Stopped waiting for ${what}: the run was cancelled.`, {
    cause: signal.reason,
  });
}

/**
 * Take the cross-process lock on `target` (which need not exist), retrying with jittered
 * backoff while another live process holds it. Resolves `null` when `timeoutMs` runs out;
 * throws `ABORTED` when the signal fires and rethrows file-system errors.
 */
export async function acquireFileLock(
  target: string,
  options: AcquireOptions = {},
): Promise<FileLockHold | null> {
  const staleMs = Math.max(options.staleMs ?? 10_000, 2_000);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const { signal } = options;
  let compromised: Error | undefined;
  let attempt = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal, `the lock on ${target}`);
    try {
      const release = await properLock(target, {
        realpath: false,
        stale: staleMs,
        update: staleMs / 2,
        retries: 0,
        ...(options.lockfilePath ? { lockfilePath: options.lockfilePath } : {}),
        // The default throws from a timer and would crash the host process.
        onCompromised: (error) => {
          compromised = error;
        },
      });
      const waited = attempt > 0;
      return {
        get compromised() {
          return compromised;
        },
        waited,
        async release() {
          try {
            await release();
          } catch (error) {
            // Already released or taken over after a stall: nothing left to undo.
            const code = (error as NodeJS.ErrnoException).code;
            if (code !== 'ERELEASED' && code !== 'ENOTACQUIRED' && code !== 'ENOENT') throw error;
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return null;
    const backoff = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 1.5 ** attempt);
    const delay = Math.min(remaining, backoff / 2 + Math.random() * (backoff / 2));
    attempt += 1;
    try {
      await sleep(delay, undefined, signal ? { signal } : undefined);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, `the lock on ${target}`);
      throw error;
    }
  }
}

/** Per-path promise chains, so callers in one process queue instead of polling the file lock. */
const queues = new Map<string, Promise<unknown>>();

/** Run `fn` after every earlier call with the same `name` in this process has settled. */
export async function serializeInProcess<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(name) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(name, tail);
  try {
    return await run;
  } finally {
    if (queues.get(name) === tail) queues.delete(name);
  }
}
