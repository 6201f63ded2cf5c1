/** Planning and running: jobs, progress events, results and the options of a run. */
import type { LockEntry, SpentRecord } from './lock.js';
import type { ContentHero, CostEstimate, GenerationRequest } from './request.js';

export type JobStatus = 'cached' | 'missing' | 'placeholder' | 'corrupt';

/** One distinct request and everything that uses it. */
export interface Job {
  key: string;
  status: JobStatus;
  request: GenerationRequest;
  /** Root-relative POSIX path the original lives at (or will): `<outDir>/<key>.<ext>`. */
  file: string;
  sources: ContentHero[];
  estimate: CostEstimate;
  entry?: LockEntry;
}

/** What the stored-file check found for a key; gathered by I/O code, consumed by the planner. */
export type StoredFileState = 'ok' | 'missing' | 'corrupt';

/** Progress of a run, one event per step; the CLI bar, CI lines and Astro logs render these. */
export type RunEvent =
  | { type: 'plan'; total: number; missing: number; cached: number; estimateUsd: number | null }
  | { type: 'start'; job: Job }
  | { type: 'retry'; job: Job; attempt: number; delayMs: number; reason: string }
  | { type: 'generated'; job: Job; entry: LockEntry }
  | { type: 'skipped'; job: Job; reason: string }
  | {
      type: 'failed';
      job: Job;
      error: Error;
      placeholder: LockEntry | undefined;
      /** The provider billed an answer that could not be stored (refused, or the disk full). */
      spent?: SpentRecord;
    }
  | { type: 'paused'; ms: number; reason: string };

export interface JobResult {
  key: string;
  status: 'cached' | 'generated' | 'failed' | 'placeholder' | 'skipped';
  job: Job;
  entry?: LockEntry;
  error?: Error;
  /** A billed answer that was not stored (refused, or the disk full): it still cost money. */
  spent?: SpentRecord;
}

export interface RunSummary {
  cached: number;
  generated: number;
  failed: number;
  /** Stand-ins stored instead of real images (frozen mode, failures, no credentials). */
  placeholders: number;
  /** Sum of known costs of this run. */
  costUsd: number;
  /** True when some cost of this run is unknown or estimated. */
  costIsEstimate: boolean;
  /** Answers billed but not stored (included in `costUsd`); absent when there were none. */
  refused?: { answers: number; costUsd: number };
  interrupted: boolean;
  results: JobResult[];
}

/** Options of one run of the pipeline. */
export interface RunOptions {
  /** Stop scheduling: images not yet started are skipped, running ones finish and are stored. */
  signal?: AbortSignal;
  /** Abort running requests too (a second Ctrl-C). What already arrived is still stored. */
  cancelSignal?: AbortSignal;
  /** Never call a paid API: missing images become placeholders (or fail when strict). */
  frozen?: boolean;
  onEvent?: (event: RunEvent) => void;
  /** Limit the run to heroes from these root-relative content files. */
  only?: string[];
  /**
   * Keys to pay for a new take of although they are stored (`herogen regenerate`): the current
   * original is kept in history first, and a failure never replaces it with a stand-in.
   */
  newTakes?: readonly string[];
}

export interface PlanResult {
  jobs: Job[];
  files: number;
  warnings: Error[];
  /** Sum of estimates of jobs that need generating; null when any is unknown. */
  estimateUsd: number | null;
  /** Provider chosen for jobs without an override, and why (e.g. "no API key set"). */
  provider: { id: string; reason: string };
}
