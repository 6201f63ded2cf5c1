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
  /** Largest reference image one edit line may use (each is uploaded as its own file). */
  readonly referenceLimit: number;
  /** The endpoint a request's line uses; `undefined` when it cannot go in a batch. */
  endpointFor(request: GenerationRequest): string | undefined;
  /**
   * The JSONL line of one request (no newline): its `body` is what `generate` would send, in
   * JSON. An edit refers to each reference by the file id `fileIds` has for its sha256.
   */
  line(customId: string, request: GenerationRequest, fileIds?: ReadonlyMap<string, string>): string;
  /** Upload one reference image for edit lines; its file id. */
  uploadReference(
    file: { path: string; bytes: Uint8Array },
    context: BatchCallContext,
  ): Promise<string>;
  /** Ids of the uploaded reference images the API still has (recorded uploads are reused). */
  liveReferences(context: BatchCallContext): Promise<ReadonlySet<string>>;
  /** Upload a JSONL input file; its file id. */
  uploadInput(jsonl: Uint8Array, context: BatchCallContext): Promise<string>;
  /** Create a batch over an uploaded input file (never retried: it is billed once it runs). */
  create(
    input: { inputFileId: string; endpoint: string; metadata: Record<string, string> },
    context: BatchCallContext,
  ): Promise<RemoteBatch>;
  /**
   * The batch created over `inputFileId`, if the API lists one created since `since` (unix
   * seconds): how a create whose answer was lost is found again.
   */
  find(
    inputFileId: string,
    since: number,
    context: BatchCallContext,
  ): Promise<RemoteBatch | undefined>;
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
  /**
   * The API's batch id; while `state` is `submitting`, a local id (`submit-…`) of a batch whose
   * create was sent but not (yet) answered.
   */
  id: string;
  provider: string;
  endpoint: string;
  inputFileId?: string;
  submittedAt: string;
  /**
   * `submitting`: recorded with its input file before the create is sent, so a crash between
   * the API creating the batch and herogen recording it loses nothing (the next batch command
   * finds it by its input file); `open` until collected (or cancelled and collected).
   */
  state: 'submitting' | 'open' | 'collected';
  collectedAt?: string;
  /** The API's last known status. */
  status?: RemoteBatchStatus;
  /** How many images it was submitted with (kept once a collected batch drops `requests`). */
  images?: number;
  /** Per key covered; emptied when the batch is collected (the lock has what was stored). */
  requests: Record<string, BatchRequestRecord>;
}

/** A reference image uploaded for edit lines: reused by later batches while the API has it. */
export interface ReferenceUpload {
  provider: string;
  sha256: string;
  fileId: string;
  bytes: number;
  uploadedAt: string;
}

export interface BatchesFile {
  version: 1;
  batches: BatchRecord[];
  /** Reference images uploaded for edit batches, one per provider and content. */
  uploads?: ReferenceUpload[];
}
