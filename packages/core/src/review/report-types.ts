/** What `herogen report` shows, as `--json` prints it (the HTML adds the thumbnails). */

/**
 * `ok`: a real generation; `placeholder`: offline art by choice or circumstance (frozen, no key,
 * budget, the local provider); `failed`: a stand-in after a generation failed; `missing`: not
 * generated yet; `corrupt`: the file does not match its sha256 in the lock.
 */
export type ReportStatus = 'ok' | 'placeholder' | 'failed' | 'missing' | 'corrupt';

export interface ReportThumbnail {
  dataUri: string;
  width: number;
  height: number;
}

export interface ReportTake {
  /** `history`: an earlier take; `candidate`: a variant from `herogen variants`. */
  kind: 'history' | 'candidate';
  /** Candidate number, for candidates. */
  n?: number;
  file: string;
  createdAt: string;
  replacedAt?: string;
  costUsd: number | null;
  placeholder: boolean;
  /** This take's bytes are the hero's image now. */
  current: boolean;
  thumbnail?: ReportThumbnail;
}

export interface ReportImage {
  key: string;
  status: ReportStatus;
  /** Why it is a placeholder or failed, as recorded in the lock. */
  statusDetail?: string;
  /** Posts using the image, each with its own alt text. */
  sources: { file: string; line: number; title?: string; alt?: string }[];
  /** The first post's alt text. */
  alt?: string;
  prompt: string;
  revisedPrompt?: string;
  provider: string;
  model: string;
  /** Stored pixel size (`1360×768`), or what was asked for when nothing is stored. */
  size: string;
  quality?: string;
  format: string;
  /** Real cost when stored, else the estimate; null when unknown. */
  costUsd: number | null;
  costConfidence: 'exact' | 'estimate' | 'unknown';
  createdAt?: string;
  /** Root-relative path of the original. */
  file: string;
  bytes?: number;
  requestId?: string;
  taskId?: string;
  takes: ReportTake[];
  thumbnail?: ReportThumbnail;
}

export interface ReportTotals {
  images: number;
  ok: number;
  placeholder: number;
  failed: number;
  missing: number;
  corrupt: number;
  /** Sum of the known costs of stored images (history and candidates not included). */
  costUsd: number;
  costIsEstimate: boolean;
  /** Paid for earlier takes and candidates, shown apart. */
  takesCostUsd: number;
  /** Billed for answers that were not stored (the lock's `spent` log), shown apart. */
  refusedCostUsd: number;
  /** What the originals in the lock weigh in the repository, as the lock records them. */
  originalsBytes: number;
  /** What the earlier takes kept in `history/` weigh. */
  historyBytes: number;
}

export interface ReportData {
  project: string;
  generatedAt: string;
  totals: ReportTotals;
  images: ReportImage[];
}
