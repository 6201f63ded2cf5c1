import type { Lock } from '../types.js';
import { isCandidateFile } from './candidates.js';

export type PruneKind = 'original' | 'candidate' | 'history';

export interface PruneItem {
  kind: PruneKind;
  key: string;
  /** Root-relative POSIX path. */
  file: string;
  sha256: string;
  bytes: number;
  placeholder: boolean;
  createdAt: string;
  costUsd: number | null;
}

export interface PrunePlan {
  /** What would be deleted, originals first. */
  remove: PruneItem[];
  /** Unreferenced candidates and earlier takes kept because they were not asked for. */
  kept: { candidates: number; history: number };
}

export interface PruneOptions {
  /** Also delete every earlier take (`<outDir>/history/`). */
  history?: boolean;
  /** Also delete unreferenced variant candidates (`<outDir>/variants/`). */
  variants?: boolean;
}

/**
 * What `herogen prune` deletes: originals in the lock that no content references; candidates
 * and earlier takes only when asked. Pure; `referenced` comes from `referencedKeys`.
 */
export function planPrune(
  lock: Lock,
  referenced: ReadonlySet<string>,
  outDir: string,
  options: PruneOptions = {},
): PrunePlan {
  const remove: PruneItem[] = [];
  const kept = { candidates: 0, history: 0 };
  for (const key of Object.keys(lock.images).sort()) {
    const entry = lock.images[key]!;
    if (referenced.has(key)) continue;
    const candidate = isCandidateFile(entry.file, outDir);
    if (candidate && !options.variants) {
      kept.candidates += 1;
      continue;
    }
    remove.push({
      kind: candidate ? 'candidate' : 'original',
      key,
      file: entry.file,
      sha256: entry.sha256,
      bytes: entry.bytes,
      placeholder: entry.placeholder === true,
      createdAt: entry.createdAt,
      costUsd: entry.costUsd,
    });
  }
  for (const key of Object.keys(lock.history ?? {}).sort()) {
    for (const take of lock.history?.[key] ?? []) {
      if (!options.history) {
        kept.history += 1;
        continue;
      }
      remove.push({
        kind: 'history',
        key,
        file: take.file,
        sha256: take.sha256,
        bytes: take.bytes,
        placeholder: take.placeholder === true,
        createdAt: take.createdAt,
        costUsd: take.costUsd,
      });
    }
  }
  const order: Record<PruneKind, number> = { original: 0, candidate: 1, history: 2 };
  remove.sort((a, b) => order[a.kind] - order[b.kind]);
  return { remove, kept };
}
