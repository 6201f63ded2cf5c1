import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HerogenError } from '../errors.js';
import { isProcessAlive, processScope } from '../fs/process-alive.js';

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
  const lockDir = options.lockfilePath ?? `${resolve(target)}.lock`;
  let compromised: Error | undefined;
  let attempt = 0;
  let tookOver = false;
  // proper-lockfile and its dependencies (13 modules) load only when a lock is taken: a plan
  // or a build with nothing to write never takes one.
  const { lock: properLock } = await import('proper-lockfile');
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
      const waited = attempt > 0 || tookOver;
      const owner = await writeOwner(lockDir);
      return {
        get compromised() {
          return compromised;
        },
        waited,
        async release() {
          if (owner) await removeOwner(lockDir, owner);
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
    // A holder that was killed cannot release: take over at once instead of waiting `staleMs`.
    if (await reapDeadHolder(lockDir)) {
      tookOver = true;
      continue;
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

/**
 * Who holds a lock directory, written beside it (`<dir>.owner`) right after it is taken:
 * the process, where its pid is valid, and the identity of the directory it made (inode and
 * birth time), so a record left by an earlier holder never matches a later directory.
 */
interface OwnerRecord {
  pid: number;
  scope: string;
  ino: string;
  birth: string;
}

const ownerFile = (lockDir: string) => `${lockDir}.owner`;

async function directoryIdentity(
  lockDir: string,
): Promise<{ ino: string; birth: string } | undefined> {
  const stats = await stat(lockDir, { bigint: true }).catch(() => undefined);
  // Without a birth time a recycled inode could pass for the dead holder's: no fast takeover.
  if (!stats?.isDirectory() || stats.birthtimeNs === 0n) return undefined;
  return { ino: String(stats.ino), birth: String(stats.birthtimeNs) };
}

async function writeOwner(lockDir: string): Promise<OwnerRecord | undefined> {
  try {
    const identity = await directoryIdentity(lockDir);
    if (!identity) return undefined;
    const record: OwnerRecord = { pid: process.pid, scope: processScope(), ...identity };
    await writeFile(ownerFile(lockDir), JSON.stringify(record));
    return record;
  } catch {
    // Only the fast takeover after a crash depends on it; staleness still frees the lock.
    return undefined;
  }
}

async function readOwner(lockDir: string): Promise<OwnerRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(ownerFile(lockDir), 'utf8')) as Partial<OwnerRecord>;
    if (
      typeof value.pid === 'number' &&
      typeof value.scope === 'string' &&
      typeof value.ino === 'string' &&
      typeof value.birth === 'string'
    ) {
      return value as OwnerRecord;
    }
  } catch {}
  return undefined;
}

const sameDirectory = (a: { ino: string; birth: string }, b: { ino: string; birth: string }) =>
  a.ino === b.ino && a.birth === b.birth;

/** Remove our owner record, unless a later holder has replaced it. */
async function removeOwner(lockDir: string, record: OwnerRecord): Promise<void> {
  const current = await readOwner(lockDir);
  if (current && current.pid === record.pid && sameDirectory(current, record)) {
    await rm(ownerFile(lockDir), { force: true }).catch(() => {});
  }
}

/**
 * Remove the lock directory of a holder that is provably dead: its record names this very
 * directory, a pid valid here, and that pid no longer exists. Takers of the same dead holder
 * are serialised by an exclusive marker directory, and the directory's identity is checked
 * again just before removal, so a live holder's lock is never removed.
 */
async function reapDeadHolder(lockDir: string): Promise<boolean> {
  const record = await readOwner(lockDir);
  if (!record || record.scope !== processScope() || isProcessAlive(record.pid)) return false;
  const before = await directoryIdentity(lockDir);
  if (!before || !sameDirectory(before, record)) return false;
  const marker = `${lockDir}.reap-${record.ino}-${record.birth}`;
  try {
    await mkdir(marker);
  } catch {
    return false;
  }
  try {
    const now = await directoryIdentity(lockDir);
    if (!now || !sameDirectory(now, record)) return false;
    await rm(ownerFile(lockDir), { force: true });
    await rmdir(lockDir);
    return true;
  } catch {
    return false;
  } finally {
    await rmdir(marker).catch(() => {});
  }
}

/**
 * Clear what a killed holder of `target`'s lock left behind (its lock directory and owner
 * record), so a crash leaves no clutter once the next run starts. Live holders are untouched.
 */
export async function clearDeadHolder(
  target: string,
  lockfilePath?: string,
  staleMs = 10_000,
): Promise<void> {
  const lockDir = lockfilePath ?? `${resolve(target)}.lock`;
  // A reap takes microseconds: a marker older than the staleness limit lost its reaper.
  const prefix = `${basename(lockDir)}.reap-`;
  for (const name of await readdir(dirname(lockDir)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const marker = join(dirname(lockDir), name);
    const stats = await stat(marker).catch(() => undefined);
    if (stats && Date.now() - stats.mtimeMs > staleMs) await rmdir(marker).catch(() => {});
  }
  if (await reapDeadHolder(lockDir)) return;
  const record = await readOwner(lockDir);
  if (!record || record.scope !== processScope() || isProcessAlive(record.pid)) return;
  // A record without its directory: the holder died between the two removals.
  if (!(await stat(lockDir).catch(() => undefined))) {
    await rm(ownerFile(lockDir), { force: true }).catch(() => {});
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
