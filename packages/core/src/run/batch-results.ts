/** What `herogen batch collect`, `status` and `cancel` report: batches, stored images, failures, losses. */
import type { HerogenError } from '../errors.js';
import type { BatchRecord, BatchSource, Job, LockEntry, RemoteBatch } from '../types.js';

/** A line that produced no image, and where its hero was written. */
export interface BatchLineFailure {
  batchId: string;
  key: string;
  sources: BatchSource[];
  message: string;
  status?: number;
  code?: string;
  requestId?: string;
}

/** Paid for, but its image cannot be had any more. */
export interface BatchLoss {
  batchId: string;
  /** Absent when the whole output file is gone (which lines completed is then unknown). */
  key?: string;
  sources: BatchSource[];
  requestId?: string;
  message: string;
}

export interface BatchView {
  record: BatchRecord;
  /** Undefined when the API could not be asked (see `error`). */
  remote?: RemoteBatch;
  error?: HerogenError;
  /** Estimated cost of the batch at the batch price; null when unknown. */
  estimateUsd: number | null;
}

export interface BatchCollectResult {
  batches: BatchView[];
  /** Images stored now. */
  stored: Array<{ key: string; entry: LockEntry }>;
  /** Keys the lock already held (collected before): nothing stored twice. */
  alreadyStored: number;
  failed: BatchLineFailure[];
  lost: BatchLoss[];
  /** Batches still running. */
  pending: BatchView[];
  /** Sum of the stored images' costs. */
  costUsd: number;
}

export interface BatchCollectOptions {
  /** Only these batch ids (default: every open batch). */
  ids?: readonly string[];
  signal?: AbortSignal;
  /** The current plan's jobs, so stored entries record the fields that asked for them. */
  jobs?: readonly Job[];
}
