/** The lock manifest: stored originals, pending tasks, history and billed answers not stored. */
import type { CostConfidence, GenerationRequest } from './request.js';

/** A stored original, as recorded in `herogen.lock.json`. */
export interface LockEntry {
  /** Root-relative POSIX path of the original. */
  file: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  format: string;
  provider: string;
  model: string;
  prompt: string;
  request: GenerationRequest;
  createdAt: string;
  costUsd: number | null;
  costConfidence: CostConfidence;
  requestId?: string;
  taskId?: string;
  revisedPrompt?: string;
  /** True when the file is not a real generation (offline art or a stand-in after a failure). */
  placeholder?: boolean;
  /** Why a stand-in was stored instead of a real image. */
  placeholderReason?: string;
  /**
   * Rebuilt from the file itself: the lock had lost the entry (emptied, deleted) while the paid
   * original stayed in outDir. Cost, request id and revised prompt are not known.
   */
  recovered?: true;
  /**
   * The frontmatter fields (with their mode, as in config `field`) whose heroes asked for this
   * image, so `prune` still finds its users after `field` changes. Absent in older locks.
   */
  fields?: Record<string, 'hero' | 'image'>;
}

/** An async task created at a provider but not yet stored: resumed instead of paid again. */
export interface PendingTask {
  provider: string;
  model: string;
  taskId: string;
  createdAt: string;
}

/**
 * An earlier take of a key, kept when a new one replaced it (`herogen regenerate`, `herogen
 * pick`). `file` is its copy under `<outDir>/history/<key>/`; the rest is as it was recorded.
 */
export interface HistoryEntry extends LockEntry {
  /** When it stopped being the current image. */
  replacedAt: string;
  /**
   * What replaced it: a new take (`regenerate`), a chosen variant (`pick`), an earlier take made
   * current again (`restore`, from the browser review), or a new paid image stored where an
   * original the lock did not list was found (`replaced`).
   */
  reason: 'regenerate' | 'pick' | 'restore' | 'replaced';
  /** Set when the kept file was not the one the lock recorded (edited or damaged by hand). */
  note?: string;
}

export interface Lock {
  version: 1;
  images: Record<string, LockEntry>;
  pending: Record<string, PendingTask>;
  /** Earlier takes per key, oldest first. Absent until something was regenerated or picked. */
  history?: Record<string, HistoryEntry[]>;
  /** Answers the API billed that were not stored, oldest first. Absent until there is one. */
  spent?: SpentRecord[];
}

/**
 * A paid answer herogen did not store, recorded in the lock's `spent` log: the API billed it
 * although the image was refused (wrong size, truncated, SVG) or could not be written.
 */
export interface SpentRecord {
  key: string;
  provider: string;
  model: string;
  costUsd: number | null;
  costConfidence: CostConfidence;
  /** When the answer arrived. */
  at: string;
  /** Why it was not stored (error code and message). */
  reason: string;
  requestId?: string;
}
