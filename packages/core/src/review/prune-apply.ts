import { readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { resolveInsideRoot, toRootRelative } from '../fs/path-safety.js';
import { withKeyClaim } from '../lock/claim.js';
import { updateLock } from '../lock/update-lock.js';
import { HISTORY_DIR, type OriginalKind, originalsAt } from '../store/original-file.js';
import type { Lock } from '../types.js';
import { VARIANTS_DIR } from './candidates.js';
import type { PruneItem } from './prune-plan.js';

export interface ApplyPruneOptions {
  root: string;
  /** Originals directory (absolute or root-relative): nothing outside it is deleted. */
  outDir: string;
  lockPath: string;
  signal?: AbortSignal;
}

/** A listed item whose lock entry names a file herogen does not trust: never deleted. */
export interface TamperedItem extends PruneItem {
  why: string;
}

export interface PruneScreen {
  /** Items that may be deleted: herogen's own files with the recorded bytes, or already gone. */
  ok: PruneItem[];
  tampered: TamperedItem[];
}

const kindOf = (item: PruneItem): OriginalKind => (item.kind === 'history' ? 'history' : 'image');

/**
 * Split what `planPrune` listed into what may be deleted and what may not: a lock entry is
 * only a claim, so each file must be an original in `outDir` (symlinks resolved) whose bytes
 * still match the lock (see `original-file.ts`).
 */
export async function screenPrune(
  items: readonly PruneItem[],
  options: Pick<ApplyPruneOptions, 'root' | 'outDir'>,
): Promise<PruneScreen> {
  const originals = originalsAt(options.root, options.outDir);
  const screen: PruneScreen = { ok: [], tampered: [] };
  for (const item of items) {
    const found = await originals.checkRemovable(item.file, item.key, kindOf(item), item.sha256);
    if (found.state === 'tampered') screen.tampered.push({ ...item, why: found.why });
    else screen.ok.push(item);
  }
  return screen;
}

export interface PruneOutcome {
  /** Items deleted (file and lock entry). */
  removed: PruneItem[];
  /** Items left alone, lock entry and file, because the file is not herogen's to delete. */
  tampered: TamperedItem[];
}

/**
 * Delete what `planPrune` listed. Each item is checked (`screenPrune`), dropped from the lock
 * (under its key's claim, and only if the lock still records the same bytes), then its file is
 * removed, so a crash in between leaves an untracked file, never a lock entry pointing at
 * nothing. A file that fails the check keeps its lock entry and is reported as tampered.
 */
export async function applyPrune(
  items: readonly PruneItem[],
  options: ApplyPruneOptions,
): Promise<PruneOutcome> {
  const { root, lockPath } = options;
  const originals = originalsAt(root, options.outDir);
  const outcome: PruneOutcome = { removed: [], tampered: [] };
  for (const item of items) {
    const kind = kindOf(item);
    const dropped = await withKeyClaim(root, item.key, { signal: options.signal }, async () => {
      const found = await originals.checkRemovable(item.file, item.key, kind, item.sha256);
      if (found.state === 'tampered') {
        outcome.tampered.push({ ...item, why: found.why });
        return false;
      }
      return updateLockReturning(lockPath, (lock) => dropFromLock(lock, item));
    });
    if (!dropped) continue;
    const removed = await originals.remove(item.file, item.key, kind, item.sha256);
    if (removed.state === 'tampered') {
      // Changed between the check and the delete: the file stays, now untracked (listed).
      outcome.tampered.push({ ...item, why: removed.why });
      continue;
    }
    if (item.kind === 'history') {
      await rmdir(path.dirname(resolveInsideRoot(root, item.file, 'pruned file'))).catch(
        () => undefined,
      );
    }
    outcome.removed.push(item);
  }
  return outcome;
}

function dropFromLock(lock: Lock, item: PruneItem): boolean {
  if (item.kind === 'history') {
    const takes = lock.history?.[item.key];
    if (!lock.history || !takes) return false;
    const left = takes.filter((take) => !(take.file === item.file && take.sha256 === item.sha256));
    if (left.length === takes.length) return false;
    if (left.length > 0) lock.history[item.key] = left;
    else delete lock.history[item.key];
    if (Object.keys(lock.history).length === 0) delete lock.history;
    return true;
  }
  const entry = lock.images[item.key];
  // Replaced meanwhile (a new take, another process): not what was listed, so keep it.
  if (!entry || entry.file !== item.file || entry.sha256 !== item.sha256) return false;
  delete lock.images[item.key];
  return true;
}

async function updateLockReturning(
  lockPath: string,
  mutate: (lock: Lock) => boolean,
): Promise<boolean> {
  let result = false;
  await updateLock(lockPath, (lock) => {
    result = mutate(lock);
  });
  return result;
}

/**
 * Image files in the originals directory (and its `variants/` and `history/` folders) that the
 * lock does not record. Listed for the user to decide; prune never deletes them, as one may be
 * a paid image whose lock update failed.
 */
export async function listUntracked(root: string, outDir: string, lock: Lock): Promise<string[]> {
  const base = resolveInsideRoot(root, outDir, 'outDir');
  const known = new Set<string>();
  for (const entry of Object.values(lock.images)) known.add(entry.file);
  for (const takes of Object.values(lock.history ?? {})) for (const t of takes) known.add(t.file);
  const found: string[] = [];
  const visit = async (dir: string, depth: number) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const inside = depth === 0 ? [VARIANTS_DIR, HISTORY_DIR].includes(entry.name) : depth === 1;
        if (inside && depth < 2) await visit(full, depth + 1);
        continue;
      }
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      if (!/\.(png|webp|jpe?g)$/i.test(entry.name)) continue;
      const relative = toRootRelative(root, full);
      if (!known.has(relative)) found.push(relative);
    }
  };
  await visit(base, 0);
  return found.sort();
}
