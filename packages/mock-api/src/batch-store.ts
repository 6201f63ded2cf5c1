/** The Files + Batch API's state: uploaded and output files, batches, and billed lines. */
import { randomBytes } from 'node:crypto';
import type { HandlerContext } from './context.js';
import type { Fault } from './types.js';

export interface MockFile {
  id: string;
  key: string;
  filename: string;
  purpose: string;
  bytes: Buffer;
  createdAt: number;
  /** ms since the epoch after which the content answers 404; `undefined` = never. */
  expiresAt: number | undefined;
}

export interface BatchLine {
  /** 1-based line number in the input file. */
  line: number;
  customId: string;
  body: Record<string, unknown>;
  prompt: string | undefined;
  /** The scripted fault for this line (route `openai.batch-line`), chosen at creation. */
  fault: Fault | undefined;
}

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface MockBatch {
  id: string;
  key: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  lines: BatchLine[];
  /** Whole-file problems found while validating: the batch ends `failed`. */
  errors: BatchError[];
  cancelledAt?: number;
  /** Output TTL for this batch's output and error files (ms). */
  outputTtlMs: number | undefined;
  /** Set once the output and error files exist. */
  done?: Promise<BatchOutcome>;
  outcome?: BatchOutcome;
}

export interface BatchOutcome {
  at: number;
  outputFileId: string | undefined;
  errorFileId: string | undefined;
  completed: number;
  failed: number;
  usage: { input: number; output: number };
}

export type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

export interface BatchTimings {
  validatingMs: number;
  processingMs: number;
  finalizingMs: number;
  windowMs: number;
  outputTtlMs: number | undefined;
  maxRequestsPerFile: number;
  maxFileBytes: number;
}

export interface BatchStore {
  files: Map<string, MockFile>;
  batches: Map<string, MockBatch>;
  /** Lines the real API would have billed (completed with status 200). */
  billedLines: number;
}

export function createBatchStore(): BatchStore {
  return { files: new Map(), batches: new Map(), billedLines: 0 };
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

export function storeFile(
  ctx: HandlerContext,
  upload: { filename: string; purpose: string; bytes: Buffer; ttlMs: number | undefined },
): MockFile {
  const { filename, purpose, bytes, ttlMs } = upload;
  const now = Date.now();
  const file: MockFile = {
    id: `file-${randomBytes(12).toString('hex')}`,
    key: ctx.key ?? '',
    filename,
    purpose,
    bytes,
    createdAt: now,
    expiresAt: ttlMs === undefined ? undefined : now + ttlMs,
  };
  ctx.state.batch.files.set(file.id, file);
  return file;
}

export function fileObject(file: MockFile) {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes.length,
    created_at: seconds(file.createdAt),
    ...(file.expiresAt === undefined ? {} : { expires_at: seconds(file.expiresAt) }),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
  };
}
