import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { HerogenError } from '../errors.js';
import { removeStaleTempFiles } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { resolveInsideRoot } from '../fs/path-safety.js';
import { cachePath } from '../fs/project-layout.js';
import { isCacheKey } from '../key/cache-key.js';
import { claimKey, resolveClaimDir } from '../lock/claim.js';
import { clearDeadHolder } from '../lock/file-lock.js';
import { readLock } from '../lock/read-lock.js';
import { plural } from '../text/plural.js';
import type { LockEntry, Logger } from '../types.js';
import {
  type IncomingImage,
  incomingPath,
  listIncoming,
  readIncoming,
  removeIncoming,
  resolveIncomingDir,
} from './incoming-journal.js';
import { foldPendingTasks } from './pending-task.js';
import { storeOriginal } from './store-original.js';

export interface RecoverIncomingOptions {
  /** Absolute project root. */
  root: string;
  /** Absolute path of the lock. */
  lockPath: string;
  /** Originals directory, absolute or root-relative. */
  outDir: string;
  logger?: Logger;
  /** Only these keys (default: every journal record). */
  keys?: readonly string[];
  /**
   * Take each key's claim first (skipping keys a live process is storing right now). Pass
   * `false` when the caller already holds the claim. @default true
   */
  claim?: boolean;
}

export interface RecoveredImage {
  key: string;
  /** `recorded`: added to the lock now; `already-stored`: the lock had it; `rejected`: unusable. */
  outcome: 'recorded' | 'already-stored' | 'rejected';
  entry?: LockEntry;
}

/**
 * Complete what a killed run left in the write-ahead journal: each image it had received but
 * not yet recorded is checked, written to `outDir` and added to the lock, exactly as it would
 * have been. Records already in the lock are dropped. A record that cannot be completed now
 * (disk full, lock damaged) is kept for the next run. Never calls a provider. When it runs for
 * every key (the start of a run), it also clears locks and claims held by killed processes.
 */
export async function recoverIncoming(options: RecoverIncomingOptions): Promise<RecoveredImage[]> {
  const { root, logger } = options;
  if (!options.keys) {
    await clearDeadHolders(root, options.lockPath);
    const folded = await foldPendingTasks(options.lockPath, (key) =>
      claimKey(root, key, { timeoutMs: 0 }),
    ).catch(() => []);
    if (folded.length > 0) {
      logger?.info(
        `kept ${plural(folded.length, 'task id')} an interrupted run had created, so they are resumed instead of paid again`,
      );
    }
  }
  let keys: readonly string[];
  if (options.keys) {
    // Asked before each paid call: look for those records only (a stat each, not a listing
    // of the folder); the sweep of temp files is done once, at the start of the run.
    keys = options.keys.filter((key) => existsSync(incomingPath(root, key)));
  } else {
    for (const removed of await removeStaleTempFiles(resolveIncomingDir(root)).catch(() => [])) {
      logger?.debug(`removed a temp file left by an interrupted run: ${removed}`);
    }
    keys = await listIncoming(root);
  }
  const recovered: RecoveredImage[] = [];
  for (const key of keys) {
    const claim = options.claim === false ? undefined : await claimKey(root, key, { timeoutMs: 0 });
    // Held by a live process: it is storing this very image right now.
    if (claim === null) continue;
    try {
      const result = await recoverOne(options, key);
      if (result) recovered.push(result);
    } finally {
      await claim?.release();
    }
  }
  const recorded = recovered.filter((result) => result.outcome === 'recorded');
  if (recorded.length > 0) {
    logger?.info(
      `recovered ${plural(recorded.length, 'paid image')} that an interrupted run had received but not recorded`,
    );
  }
  return recovered;
}

async function recoverOne(
  options: RecoverIncomingOptions,
  key: string,
): Promise<RecoveredImage | undefined> {
  const { root, lockPath, logger } = options;
  const record = await readIncoming(root, key);
  if (record === undefined) return undefined;
  if (record === 'invalid') {
    await quarantine(root, key, logger, 'it is damaged');
    return undefined;
  }
  const lock = await readLock(lockPath);
  const existing = lock.images[key];
  if (existing && !existing.placeholder) {
    if (sameTake(existing, record)) {
      await removeIncoming(root, key);
      return { key, outcome: 'already-stored', entry: existing };
    }
    // Another paid take is recorded. Replace it only when it was archived for a redo that
    // this record completes; otherwise keep both and let the user decide.
    const archived = (lock.history?.[key] ?? []).some((take) => take.sha256 === existing.sha256);
    if (!archived || record.receivedAt <= existing.createdAt) {
      await quarantine(root, key, logger, 'another take of this image is already recorded');
      return undefined;
    }
  }
  try {
    const entry = await storeOriginal({
      root,
      outDir: options.outDir,
      key,
      request: record.request,
      image: record.image,
      lockPath,
      journal: false,
      now: () => new Date(record.receivedAt),
      ...(logger ? { logger } : {}),
    });
    await removeIncoming(root, key);
    logger?.debug(`recorded image ${key} from the write-ahead journal (${entry.file})`);
    return { key, outcome: 'recorded', entry };
  } catch (error) {
    if (HerogenError.is(error) && error.code === 'IMAGE_INVALID') {
      // storeOriginal kept the bytes in the rejected directory.
      await removeIncoming(root, key);
      logger?.warn(`an image received by an interrupted run is unusable: ${error.message}`);
      return { key, outcome: 'rejected' };
    }
    throw error;
  }
}

async function clearDeadHolders(root: string, lockPath: string): Promise<void> {
  await clearDeadHolder(lockPath).catch(() => {});
  const claims = resolveClaimDir(root);
  const names = await readdir(claims).catch(() => [] as string[]);
  const keys = new Set(names.map((name) => /^([^.]+)\.lock(\.owner|\.reap-.+)?$/.exec(name)?.[1]));
  for (const key of keys) {
    if (key && isCacheKey(key)) await clearDeadHolder(join(claims, key)).catch(() => {});
  }
}

function sameTake(entry: LockEntry, record: IncomingImage): boolean {
  const { image } = record;
  return (
    entry.sha256 === sha256Hex(image.bytes) ||
    (image.requestId !== undefined && entry.requestId === image.requestId) ||
    (image.taskId !== undefined && entry.taskId === image.taskId)
  );
}

/** Move a record aside instead of completing it: never delete what may be paid bytes. */
async function quarantine(
  root: string,
  key: string,
  logger: Logger | undefined,
  why: string,
): Promise<void> {
  const dir = resolveInsideRoot(root, cachePath(root, 'rejected'), 'rejectedDir');
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${key}-${Date.now()}.journal`);
  await rename(incomingPath(root, key), target);
  logger?.warn(
    `an image received by an interrupted run was not recorded for ${key} because ${why}; its bytes are kept at ${target}`,
  );
}
