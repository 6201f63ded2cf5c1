/**
 * Earlier takes of an image: before a paid original is replaced (regenerate, pick), its bytes
 * are copied to `<outDir>/history/<key>/<stamp>.<ext>` and recorded in the lock's `history`.
 * The current file stays where it is until the new take overwrites it atomically, so the site
 * never points at a missing file and the old bytes are always on disk somewhere.
 */
import { rm } from 'node:fs/promises';
import { sha256File, sha256Hex } from '../fs/file-hash.js';
import { hasPlaceholderMarker } from '../image/placeholder-marker.js';
import { readLock } from '../lock/read-lock.js';
import { updateLock } from '../lock/update-lock.js';
import type { HistoryEntry, Lock, Logger } from '../types.js';
import { historyStamp, keepTake } from './keep-take.js';
import { HISTORY_DIR, originalsAt } from './original-file.js';

export { HISTORY_DIR, historyStamp };

/** Earlier takes of every key, oldest first (empty when none). */
export function historyOf(lock: Lock, key: string): HistoryEntry[] {
  return lock.history?.[key] ?? [];
}

export interface ArchiveOptions {
  /** Absolute project root. */
  root: string;
  /** Originals directory (absolute or root-relative). */
  outDir: string;
  lockPath: string;
  key: string;
  reason: HistoryEntry['reason'];
  now?: () => Date;
  logger?: Logger;
}

export interface ArchivedTake {
  entry: HistoryEntry;
  /**
   * The replacement did not happen: forget this history record and its copy, but only while
   * the current original still has the archived bytes (so nothing can be lost by undoing).
   */
  undo(): Promise<void>;
}

/**
 * Keep the current original of `key` as an earlier take. The caller holds the key's claim.
 * Returns undefined when there is nothing paid to keep: no entry, a placeholder, or no file.
 */
export async function archiveOriginal(options: ArchiveOptions): Promise<ArchivedTake | undefined> {
  const { root, key, lockPath } = options;
  const lock = await readLock(lockPath);
  const current = lock.images[key];
  if (!current || current.placeholder) return undefined;
  const originals = originalsAt(root, options.outDir);
  const found = await originals.locate(current.file, key, 'image');
  if (found.state === 'missing') {
    options.logger?.warn(
      `the original ${current.file} is gone, so there is no earlier take of ${key} to keep`,
    );
    return undefined;
  }
  // Never read through a hand-edited lock entry or a symlink out of the originals folder.
  const bytes = await originals.read(current.file, key, 'image');
  const sha256 = sha256Hex(bytes);
  let note: string | undefined;
  if (sha256 !== current.sha256) {
    // After a paid original was lost, the build put offline art in its place: not worth keeping.
    if (await hasPlaceholderMarker(bytes)) {
      options.logger?.warn(
        `the original ${current.file} is gone (a stand-in is in its place), so there is no earlier take of ${key} to keep`,
      );
      return undefined;
    }
    note = `the file did not match the lock (sha256 ${current.sha256.slice(0, 12)}…) when it was replaced: edited or damaged`;
  }
  // Idempotent: a redo killed after this point and started again keeps these bytes once.
  const kept = await keepTake({
    root,
    outDir: options.outDir,
    lockPath,
    key,
    bytes,
    record: current,
    reason: options.reason,
    ...(note ? { note } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const { entry } = kept;
  return {
    entry,
    async undo() {
      // Kept by an earlier attempt: not this one's to forget.
      if (!kept.added) return;
      const still = (await readLock(lockPath)).images[key];
      const now = await originals.locate(current.file, key, 'image');
      const onDisk =
        now.state === 'ok' ? await sha256File(now.path).catch(() => undefined) : undefined;
      if (still?.sha256 !== entry.sha256 || onDisk !== entry.sha256) return;
      await updateLock(lockPath, (draft) => {
        const left = (draft.history?.[key] ?? []).filter((take) => take.file !== entry.file);
        if (!draft.history) return;
        if (left.length > 0) draft.history[key] = left;
        else delete draft.history[key];
        if (Object.keys(draft.history).length === 0) delete draft.history;
      });
      await rm(kept.path, { force: true });
    },
  };
}
