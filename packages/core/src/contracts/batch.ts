/**
 * A provider's asynchronous batch API (OpenAI's Batch API: half the price, results within 24 h),
 * and the sidecar that remembers each submitted batch (`herogen.batches.json`, beside the lock).
 */
import type { HttpClient } from './http.js';
import type { GeneratedImage, Logger } from './provider.js';
import type { GenerationRequest } from './request.js';

/** What one batch call needs from its caller. */
export interface BatchCallContext {
  logger: Logger;
  timeoutMs: number;
  maxRetries: number;
  signal?: AbortSignal;
  http?: HttpClient;
}

export type RemoteBatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** A batch as the API reports it. */
export interface RemoteBatch {
  id: string;
  status: RemoteBatchStatus;
  outputFileId?: string;
  errorFileId?: string;
  requestCounts: { total: number; completed: number; failed: number };
  /** Unix seconds. */
  createdAt?: number;
  /** Whole-file problems of a `failed` batch. */
  errors: Array<{ code?: string; message: string; line?: number }>;
}

/** One line of a batch's output or error file, read. */
export type BatchLineResult =
  | { customId: string; ok: true; image: GeneratedImage }
  | {
      customId: string;
      ok: false;
      status?: number;
      code?: string;
      message: string;
      requestId?: string;
      /** The line was billed although its image is unusable (not base64, not an image). */
      billed?: { costUsd: number | null; requestId?: string };
    };

export interface BatchApi {
  /** Share of the synchronous price a batch line costs (OpenAI: 0.5). */
  readonly priceFactor: number;
  /** Requests per input file (50,000) and bytes per input file (200 MB). */
  readonly limits: { maxRequests: number; maxBytes: number };
  /** The endpoint a request's line uses; `undefined` when it cannot go in a batch. */
  endpointFor(request: GenerationRequest): string | undefined;
  /** The JSONL line of one request (no newline): its `body` is what `generate` would send. */
  line(customId: string, request: GenerationRequest): string;
  /** Upload the JSONL input and create the batch over it. */
  submit(
    input: { jsonl: Uint8Array; endpoint: string; metadata: Record<string, string> },
    context: BatchCallContext,
  ): Promise<RemoteBatch>;
  retrieve(id: string, context: BatchCallContext): Promise<RemoteBatch>;
  cancel(id: string, context: BatchCallContext): Promise<RemoteBatch>;
  /**
   * Stream a file to `saveTo` (written whole or not at all); false when the API no longer has it
   * (expired, deleted). Output files of images run to gigabytes: they never pass through memory.
   */
  download(fileId: string, context: BatchCallContext, saveTo: string): Promise<boolean>;
  /** Read one parsed line of an output or error file, the image priced at the batch price. */
  readLine(line: unknown, request: GenerationRequest | undefined): BatchLineResult;
}

/** Where a covered key's hero was written, for reports on a clone whose content moved on. */
export interface BatchSource {
  file: string;
  line: number;
}

/** One key a batch covers: the exact request sent, and who asked for it. */
export interface BatchRequestRecord {
  request: GenerationRequest;
  sources: BatchSource[];
  /** Estimated cost at the batch price; null when unknown. */
  estimateUsd: number | null;
}

/** One submitted batch, as `herogen.batches.json` keeps it (committed, like the lock). */
export interface BatchRecord {
  id: string;
  provider: string;
  endpoint: string;
  inputFileId?: string;
  submittedAt: string;
  /** `open` until collected (or cancelled and collected). */
  state: 'open' | 'collected';
  collectedAt?: string;
  /** The API's last known status. */
  status?: RemoteBatchStatus;
  /** How many images it was submitted with (kept once a collected batch drops `requests`). */
  images?: number;
  /** Per key covered; emptied when the batch is collected (the lock has what was stored). */
  requests: Record<string, BatchRequestRecord>;
}

export interface BatchesFile {
  version: 1;
  batches: BatchRecord[];
}
