/**
 * Which endpoint a request hit. Downloads are the `output[].url` files of hiapi tasks.
 * `openai.batch-line` is no HTTP route: fault rules with it apply to one line of a batch (a
 * `status` fault becomes that line's `response.status_code` and error body; image faults such
 * as `nonImage` its `b64_json`), chosen when the batch is created.
 */
export type MockRoute =
  | 'openai.generations'
  | 'openai.edits'
  | 'openai.files.create'
  | 'openai.files.content'
  | 'openai.files.list'
  | 'openai.batches.list'
  | 'openai.batches.create'
  | 'openai.batches.get'
  | 'openai.batches.cancel'
  | 'openai.batch-line'
  | 'hiapi.create'
  | 'hiapi.get'
  | 'hiapi.download'
  | 'unknown';

/** One request as the server saw it, with secrets redacted and no file bytes. */
export interface RecordedRequest {
  method: string;
  route: MockRoute;
  /** Path and query string, e.g. `/v1/images/generations`. */
  path: string;
  /** Lower-cased header names; `authorization` and any header whose name contains key, secret or token read `[redacted]`. */
  headers: Record<string, string>;
  /** Parsed JSON, or for multipart the fields with files as `{ filename, size, type }`; `undefined` without a body. */
  body: unknown;
  /** The response status; 0 when the socket was reset without a response, -1 while still in flight. */
  status: number;
  /** 1-based count of requests with the same route and prompt (for hiapi get/download: the task's prompt). */
  attempt: number;
  /** Arrival time in ms since the epoch. */
  at: number;
  /** The prompt the request carried (or its task's prompt), if any. */
  prompt?: string;
  /** `x-request-id` sent back. */
  requestId: string;
  /** True when the real API would have billed this request (see README "Billing"). */
  billed: boolean;
  /** The fault type that was applied, if any. */
  fault?: Fault['type'];
}

/** A scripted HTTP error answer. On hiapi routes the body uses the hiapi envelope. */
export interface StatusFault {
  type: 'status';
  status: number;
  /** OpenAI `error.code` (e.g. `moderation_blocked`); `null` when omitted. */
  code?: string | null;
  message?: string;
  /** OpenAI `error.type`; defaults from the status (e.g. `invalid_request_error`, `server_error`). */
  errorType?: string;
  /** OpenAI `error.param`. */
  param?: string | null;
  /** Extra fields merged into the OpenAI `error` object (e.g. `moderation_details`). */
  extra?: Record<string, unknown>;
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  /** Overrides used on hiapi routes: HTTP status, `error_code`, `message`. */
  hiapi?: { status?: number; errorCode?: string; message?: string };
}

export type Fault =
  | StatusFault
  /** Destroy the socket without any response. */
  | { type: 'reset' }
  /**
   * Do what the request asks (create the batch, upload the file, make and bill the image), then
   * destroy the socket without answering: the response is lost on the way back.
   */
  | { type: 'lostResponse' }
  /** Wait before sending the (otherwise normal) response headers. */
  | { type: 'slowHeaders'; delayMs: number }
  /** Send a normal response's headers with its full Content-Length, then close halfway through the body. */
  | { type: 'truncatedBody' }
  /** OpenAI: `b64_json` is not valid base64. */
  | { type: 'invalidBase64' }
  /**
   * OpenAI: the normal answer sent in pieces of `chunkBytes` bytes, each written on its own
   * (chunked encoding, no Content-Length), so the client gets them apart: boundaries fall inside
   * the base64. `escapeSlashes` writes every `/` as `\/`, which JSON allows, so boundaries also
   * fall inside escapes.
   */
  | { type: 'dribbledAnswer'; chunkBytes: number; escapeSlashes?: boolean }
  /** OpenAI: a billed answer whose `data[0]` has no `b64_json` (only `revised_prompt`). */
  | { type: 'missingImage' }
  /** OpenAI: valid base64 of bytes that are not an image. hiapi download: non-image bytes. */
  | { type: 'nonImage' }
  /** A valid image of half the requested width and height. */
  | { type: 'wrongDimensions' }
  /** OpenAI: the image cut off after half its bytes (a PNG without its end), in valid base64. */
  | { type: 'truncatedImage' }
  /** OpenAI: an SVG document instead of a raster image. */
  | { type: 'svgImage' }
  /** A valid PNG of `width`×`height` (default 16000×16000) black pixels: about 750 KB, 768 MB decoded. */
  | { type: 'decompressionBomb'; width?: number; height?: number }
  /**
   * A normal, billed answer that carries the request's bearer key back, as a misbehaving proxy
   * might: `x-request-id: req_… Bearer <key>`, and OpenAI's `revised_prompt` / hiapi's task id
   * (`tk-hiapi-…-<key>`, so later polls and download URLs carry it too).
   */
  | { type: 'echoKey' }
  /** hiapi create: the task ends in `fail` with this error. */
  | { type: 'taskFail'; code?: string; message?: string }
  /** hiapi create: the task never leaves `handling`. */
  | { type: 'taskStuck' }
  /** hiapi create: the task takes this long instead of `taskDurationMs`. */
  | { type: 'slowTask'; durationMs: number }
  /** hiapi download: answer 410 as if the file had expired, although `expireAt` is in the future. */
  | { type: 'expiredDownload' }
  /** hiapi poll: `output[0].expireAt` of the finished task is already past. */
  | { type: 'expiredUrl' }
  /** hiapi poll: `output[0].url` points somewhere herogen must refuse (see `DownloadTarget`). */
  | { type: 'downloadUrl'; to: DownloadTarget }
  /** hiapi download: `302` to `to`; `same-origin` redirects to the same file on this server. */
  | { type: 'redirectDownload'; to: DownloadTarget | 'same-origin' }
  /** hiapi download: stream `bytes` bytes (an image followed by padding), larger than any sane cap. */
  | { type: 'oversizedDownload'; bytes: number; declareLength?: boolean };

/**
 * Where a hostile download URL points, always at this same server so that a client which does
 * not refuse it gets the file: `other-host` is `http://localhost:<port>/…` (plain http, another
 * host name), `http` is this server's own URL with `http:` (a downgrade when the mock serves
 * https), `private` is `https://localhost:<port>/…` (https, but a name that resolves to loopback).
 */
export type DownloadTarget = 'other-host' | 'http' | 'private';

/** One line of the fault script. The first rule that matches the request and applies to its route wins. */
export interface FaultRule {
  /** Route to match; `'any'` or omitted matches every route where the fault applies. */
  route?: MockRoute | 'any';
  /** A string matches prompts that contain it; a RegExp is tested against the prompt. */
  prompt?: string | RegExp;
  /** 1-based attempt number(s) for the request's route + prompt. */
  attempt?: number | number[];
  /** Apply at most this many times (counted per rule, reset by `setFaults`/`reset`). */
  times?: number;
  fault: Fault;
}

export interface MockApiOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Accept exactly this bearer key; when omitted any non-empty key is accepted. */
  apiKey?: string;
  /** Delay before answering generation, edit and task-create calls: a fixed ms value or a `[min, max]` range. @default 0 */
  latencyMs?: number | [number, number];
  /** Time a hiapi task takes from `queued` to `success`/`fail`. @default 2000 */
  taskDurationMs?: number;
  /** How long a finished task's download URL stays valid. @default 3_600_000 (1 hour) */
  downloadTtlMs?: number;
  /** Sliding one-minute limit on paid calls; excess calls get 429 and are not billed. @default unlimited */
  imagesPerMinute?: number;
  /**
   * Length of the rate-limit window. Tests shrink it so a limit can be exercised in seconds
   * (the limit then applies per this window, not per minute). @default 60_000
   */
  rateWindowMs?: number;
  /** Initial fault script. */
  faults?: FaultRule[];
  /** Largest accepted request body; larger bodies get 413. @default 64 MiB */
  maxBodyBytes?: number;
  /** Serve https with this key and certificate (PEM) instead of plain http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * OpenAI output image tokens per 1024×1024 image, by quality: an account billed differently
   * from the published estimates (e.g. `{ medium: 1100 }`). Unlisted qualities keep the default.
   * @default low 200, medium 1760, high 7040, xhigh 14080, max 28160
   */
  outputTokensPerMegapixel?: Partial<Record<'low' | 'medium' | 'high' | 'xhigh' | 'max', number>>;
  /**
   * Every OpenAI answer is a different picture, as a real API's is (a new take of the same
   * prompt looks different). By default the same request always gets the same picture.
   * @default false
   */
  newTakes?: boolean;
  /** OpenAI Batch API timing and limits (see README "Batch API"). */
  batch?: MockBatchOptions;
}

/** How long each batch state lasts, and the input file limits. */
export interface MockBatchOptions {
  /** Time in `validating`. @default 100 */
  validatingMs?: number;
  /** Time in `in_progress`; lines finish evenly spread over it, in input order. @default 1000 */
  processingMs?: number;
  /** Time in `finalizing` (or `cancelling`) at least. @default 100 */
  finalizingMs?: number;
  /**
   * The completion window: a batch whose processing would end later expires at this point, with
   * the lines finished by then in its output and the rest in its error file. @default 86_400_000 (24 h)
   */
  windowMs?: number;
  /** Output and error files answer 404 this long after they are written. @default never */
  outputTtlMs?: number;
  /** Requests one input file may hold. @default 50_000 */
  maxRequestsPerFile?: number;
  /** Bytes one `purpose: batch` upload may have. @default 200 MB */
  maxFileBytes?: number;
}

export interface MockApi {
  /** e.g. `http://127.0.0.1:43121` (`https://` with `tls`; no trailing slash). */
  url: string;
  /** `${url}/v1`, the value for `OPENAI_BASE_URL`. */
  openaiBaseURL: string;
  /** `${url}`, the value for `HIAPI_BASE_URL` (routes are `/v1/tasks…`). */
  hiapiBaseURL: string;
  port: number;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Requests the real APIs would have billed (synchronous calls; batch lines are counted apart). */
  paidCalls(): number;
  /** Batch lines the real API would have billed (those answered 200), at the batch price. */
  billedBatchLines(): number;
  /**
   * Delete an uploaded file, as `DELETE /v1/files/{id}` of the real API would (that endpoint is
   * not in the vendored spec subset): its content answers 404 and edit lines naming it fail.
   * False when there is no such file.
   */
  deleteFile(id: string): boolean;
  /** Replace the fault script. */
  setFaults(faults: FaultRule[]): void;
  /** Clear recorded requests, tasks, attempt and rule counters and the rate-limit window. */
  reset(): void;
  /** Close the server and every socket, keep-alive ones included. */
  close(): Promise<void>;
}
