import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Lock } from '../types.js';
import { isSurelyValidLock } from './fast-validate.js';
import { acquireFileLock, serializeInProcess } from './file-lock.js';
import { parseLock, readLockSnapshot } from './read-lock.js';
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

interface QueuedUpdate {
  mutate: LockMutation;
  options: UpdateLockOptions;
  resolve: (lock: Lock) => void;
  reject: (error: unknown) => void;
}

/** Per lock file: the updates that arrived while a write was running, for the next write. */
const waiting = new Map<string, QueuedUpdate[]>();

/**
 * Read-modify-write `herogen.lock.json` safely: one write at a time in this process, and one
 * process at a time across processes (proper-lockfile on `<path>.lock`, taken over when its
 * holder died). The file is re-read inside the critical section, so concurrent builds merge
 * their entries instead of overwriting each other's, and written atomically; the write is
 * skipped when the bytes would not change. Returns the lock as it now stands (with this
 * update in it).
 *
 * Updates that arrive while a write is running are applied together in the next one (group
 * commit), in arrival order: a run storing 16 images at once reads, validates and fsyncs the
 * lock a few times instead of 16 times in a row. Each caller still resolves only once its own
 * change is on disk, and a mutation that throws fails only its own caller. Mutations may run
 * more than once when another one in the same write throws, so keep them free of side effects.
 */
export function updateLock(
  path: string,
  mutate: LockMutation,
  options: UpdateLockOptions = {},
): Promise<Lock> {
  const target = resolve(path);
  return new Promise<Lock>((resolveUpdate, rejectUpdate) => {
    const update: QueuedUpdate = { mutate, options, resolve: resolveUpdate, reject: rejectUpdate };
    const next = waiting.get(target);
    if (next) {
      next.push(update);
      return;
    }
    const batch = [update];
    waiting.set(target, batch);
    serializeInProcess(`lock:${target}`, async () => {
      // Updates arriving from now on wait for the following write.
      if (waiting.get(target) === batch) waiting.delete(target);
      await writeBatch(target, batch);
    }).catch((error: unknown) => {
      for (const queued of batch) queued.reject(error);
    });
  });
}

/** One critical section for a batch of updates; settles every update of the batch. */
async function writeBatch(target: string, batch: QueuedUpdate[]): Promise<void> {
  const updates = batch.filter((update) => {
    const signal = update.options.signal;
    if (signal?.aborted) update.reject(abortError(target, signal));
    return !signal?.aborted;
  });
  if (updates.length === 0) return;
  await mkdir(dirname(target), { recursive: true });
  const signal = abortWhenAll(updates.map((update) => update.options.signal));
  let hold: Awaited<ReturnType<typeof acquireFileLock>>;
  try {
    hold = await acquireFileLock(target, {
      timeoutMs: Math.max(...updates.map((update) => update.options.timeoutMs ?? 60_000)),
      staleMs: updates[0]!.options.staleMs ?? 10_000,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    throw HerogenError.is(error) ? error : lockIoError(target, 'lock', error);
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
  let outcome: { lock: Lock; failures: Map<QueuedUpdate, unknown> };
  try {
    outcome = await applyAndWrite(target, hold, updates);
  } finally {
    await hold.release();
  }
  for (const update of updates) {
    if (outcome.failures.has(update)) update.reject(outcome.failures.get(update));
    else update.resolve(outcome.lock);
  }
}

async function applyAndWrite(
  target: string,
  hold: NonNullable<Awaited<ReturnType<typeof acquireFileLock>>>,
  updates: QueuedUpdate[],
): Promise<{ lock: Lock; failures: Map<QueuedUpdate, unknown> }> {
  const snapshot = await readLockSnapshot(target);
  let parsed: Lock | undefined = snapshot.lock;
  // The lock as on disk; a fresh copy each time a batch has to be replayed.
  const fresh = () => {
    const lock = parsed ?? parseLock(snapshot.text ?? '', target);
    parsed = undefined;
    return lock;
  };
  const failures = new Map<QueuedUpdate, unknown>();
  for (const update of updates) {
    const signal = update.options.signal;
    if (signal?.aborted) failures.set(update, abortError(target, signal));
  }
  let next = await applyAll(fresh, updates, failures);
  // The fast check vouches for a valid lock; zod decides (and words) everything else.
  if (!isSurelyValidLock(next) && !lockSchema.safeParse(next).success) {
    // Find the updates that make the lock invalid, one at a time (rare: a bug in a caller).
    const accepted: QueuedUpdate[] = [];
    for (const update of updates) {
      if (failures.has(update)) continue;
      const trial = await applyAll(fresh, [...accepted, update], failures);
      const result = lockSchema.safeParse(trial);
      if (result.success) accepted.push(update);
      else failures.set(update, invalidLockError(target, result.error.issues[0]!));
    }
    next = await applyAll(fresh, accepted, failures);
    const checked = lockSchema.safeParse(next);
    if (!checked.success) throw invalidLockError(target, checked.error.issues[0]!);
  }
  const text = serializeLock(next);
  const empty =
    Object.keys(next.images).length === 0 &&
    Object.keys(next.pending).length === 0 &&
    Object.keys(next.history ?? {}).length === 0 &&
    (next.spent?.length ?? 0) === 0;
  const unchanged = snapshot.text === undefined ? empty : snapshot.text === text;
  const changedByAny = updates.some((update) => !failures.has(update));
  if (!unchanged && changedByAny) {
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
  return { lock: next, failures };
}

/**
 * Apply every update not yet failed, in order, to a fresh copy of the lock. A mutation that
 * throws is recorded as failed, and the others are replayed on a clean copy, since it may have
 * changed the lock halfway.
 */
async function applyAll(
  fresh: () => Lock,
  updates: QueuedUpdate[],
  failures: Map<QueuedUpdate, unknown>,
): Promise<Lock> {
  for (;;) {
    let draft = fresh();
    let clean = true;
    for (const update of updates) {
      if (failures.has(update)) continue;
      try {
        draft = (await update.mutate(draft)) ?? draft;
      } catch (error) {
        failures.set(update, error);
        clean = false;
        break;
      }
    }
    if (clean) return draft;
  }
}

/** A signal that fires once every update's signal has (none when any update has none). */
function abortWhenAll(signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  if (signals.some((signal) => signal === undefined)) return undefined;
  if (signals.length === 1) return signals[0];
  const controller = new AbortController();
  let left = signals.length;
  for (const signal of signals as AbortSignal[]) {
    signal.addEventListener(
      'abort',
      () => {
        left -= 1;
        if (left === 0) controller.abort(signal.reason);
      },
      { once: true },
    );
  }
  return controller.signal;
}

function abortError(target: string, signal: AbortSignal): HerogenError {
  return new HerogenError(
    'ABORTED',
    `Stopped waiting to update ${target}: the run was cancelled.`,
    {
      cause: signal.reason,
    },
  );
}

function invalidLockError(
  target: string,
  issue: { path: PropertyKey[]; message: string },
): HerogenError {
  return new HerogenError(
    'INTERNAL',
    `Refusing to write an invalid lock to ${target}: ${issue.path.map(String).join('.')}: ${issue.message}. The file was left unchanged.`,
  );
}

function lockIoError(target: string, action: 'lock' | 'write', error: unknown): HerogenError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new HerogenError('LOCK_IO', `Cannot ${action} ${target} (${code}).`, {
    cause: error,
    hint: 'Check that the project directory is writable.',
  });
}
