/**
 * OpenAI's Batch API for images (openai-batch-openapi.json): upload a JSONL file of requests
 * (`POST /files`, purpose `batch`), create a batch over it (`POST /batches`, window `24h`), poll
 * it (`GET /batches/{id}`), cancel it, and download its output and error files
 * (`GET /files/{id}/content`). Each line's `body` is the synchronous request body, built by the
 * same function; each output line's `body` is a synchronous answer, read by the same reader.
 *
 * Edits (heroes with reference images) go to `/v1/images/edits` batches. The synchronous edit is
 * multipart, which a JSONL line cannot carry, so their lines send the JSON form of the same
 * body (`EditImageBodyJsonParam`), each reference as `{ file_id }` (`ImageRefParam`) of an image
 * uploaded once through `POST /files`, instead of a data URL that would repeat megabytes per
 * line inside the 200 MB input file.
 */
import { z } from 'zod';
import { HerogenError } from '../../errors.js';
import { parseJsonResponse, sendApiRequest } from '../../http/call.js';
import { createHttpClient, DEFAULT_MAX_JSON_BYTES } from '../../http/client.js';
import type { ApiErrorDetails, CallContext, ErrorAdvice } from '../../http/errors.js';
import { resolveRetryPolicy, withRetry } from '../../http/retry.js';
import { REMOTE_BATCH_STATUSES } from '../../lock/batches-file.js';
import type {
  BatchApi,
  BatchCallContext,
  BatchLineResult,
  GeneratedImage,
  GenerationRequest,
  HttpClient,
  HttpResponse,
  RemoteBatch,
} from '../../types.js';
import { requireApiKey } from '../preflight.js';
import { type OpenAIProviderOptions, openAIHeaders, resolveOpenAISettings } from './options.js';

/** OpenAI bills batch requests at half the synchronous price. */
export const OPENAI_BATCH_PRICE_FACTOR = 0.5;
/** Documented limits of one input file. */
export const OPENAI_BATCH_LIMITS = { maxRequests: 50_000, maxBytes: 200 * 1000 * 1000 } as const;
/**
 * The purpose reference images are uploaded with. `CreateFileRequest.purpose` of
 * openai-batch-openapi.json offers `assistants`, `batch` (Batch API input: JSONL only),
 * `fine-tune`, `vision` ("Images used for vision fine-tuning"), `user_data` ("Flexible file type
 * for any purpose") and `evals`; none names image-edit inputs. `vision` is the image purpose, and
 * what OpenAI's image-generation guide uploads input images with before passing their `file_id`
 * (not verifiable from the vendored docs; `user_data` is the documented catch-all if it is
 * refused). Either way the file persists until deleted (`FileExpirationAfter`: only `batch`
 * files expire by default, after 30 days), so a recorded upload stays usable for later batches.
 */
export const OPENAI_REFERENCE_PURPOSE = 'vision';
/** Edit inputs: "each png/webp/jpg under 50 MB" (providers.md §1.4). */
export const OPENAI_MAX_REFERENCE_BYTES = 50 * 1024 * 1024;
const EDITS = '/v1/images/edits';
const GENERATIONS = '/v1/images/generations';
/** Output files can be large (base64 images): up to 2 GB is streamed to disk. */
const MAX_OUTPUT_BYTES = 2 * 1024 * 1024 * 1024;

const apiId = z.string().regex(/^[\w-]{1,200}$/);
const count = z.number().int().nonnegative();
/** The parts of a `Batch` herogen reads; loose on purpose (unknown fields ignored). */
const batchSchema = z.object({
  id: apiId,
  status: z.enum(REMOTE_BATCH_STATUSES),
  output_file_id: apiId.nullish(),
  error_file_id: apiId.nullish(),
  created_at: z.number().optional(),
  request_counts: z.object({ total: count, completed: count, failed: count }).nullish(),
  errors: z
    .object({
      data: z
        .array(
          z.object({
            code: z.string().nullish(),
            message: z.string().nullish(),
            line: z.number().int().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
const fileSchema = z.object({ id: apiId });
const fileListSchema = z.object({
  data: z.array(z.object({ id: apiId })),
  has_more: z.boolean().optional(),
});
const batchListSchema = z.object({
  data: z.array(
    z.object({
      id: apiId,
      input_file_id: z.string().nullish(),
      metadata: z.record(z.string(), z.string()).nullish(),
      created_at: z.number().optional(),
    }),
  ),
  has_more: z.boolean().optional(),
});
const lineSchema = z.object({
  custom_id: z.string(),
  response: z
    .object({ status_code: z.number().int(), request_id: z.string().nullish(), body: z.unknown() })
    .nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export interface OpenAIBatchDeps {
  /** The synchronous generation body of a request. */
  body(request: GenerationRequest): Record<string, unknown>;
  /** The JSON edit body of a request with references, each by its uploaded file id (by sha256). */
  editBody(
    request: GenerationRequest,
    fileIds: ReadonlyMap<string, string>,
  ): Record<string, unknown>;
  /** The media type of a reference image the API takes, or a `REFERENCE_INVALID` error. */
  checkReference(path: string, bytes: Uint8Array): string;
  /** The synchronous answer reader. */
  readImage(
    call: CallContext,
    request: GenerationRequest,
    answer: { headers: Record<string, string>; json: unknown; priceFactor?: number },
  ): GeneratedImage;
  readError(body: unknown, text: string): ApiErrorDetails;
  advice: ErrorAdvice;
}

/** One call's settings, resolved when it is made (keys are read late). */
interface Session {
  http: HttpClient;
  baseURL: string;
  headers: Record<string, string>;
  call: CallContext;
  context: BatchCallContext;
  deps: OpenAIBatchDeps;
}

/** The batch side of the `openai` provider. */
export function createOpenAIBatchApi(
  options: OpenAIProviderOptions,
  deps: OpenAIBatchDeps,
): BatchApi {
  const run = <T>(
    context: BatchCallContext,
    operation: string,
    mode: 'idempotent' | 'create',
    send: (s: Session) => Promise<T>,
  ) => withSession({ options, deps, context, operation, mode }, send);
  return {
    priceFactor: OPENAI_BATCH_PRICE_FACTOR,
    limits: OPENAI_BATCH_LIMITS,
    referenceLimit: OPENAI_MAX_REFERENCE_BYTES,
    endpointFor: (req) => (req.references.length === 0 ? GENERATIONS : EDITS),
    line: (customId, req, fileIds = new Map()) => {
      const edit = req.references.length > 0;
      return JSON.stringify({
        custom_id: customId,
        method: 'POST',
        url: edit ? EDITS : GENERATIONS,
        body: edit ? deps.editBody(req, fileIds) : deps.body(req),
      });
    },
    async uploadReference(file, context) {
      const type = deps.checkReference(file.path, file.bytes);
      const name = file.path.split('/').pop() || 'reference';
      // An upload may be repeated (an unused file costs nothing but storage).
      return run(context, `reference ${file.path} upload`, 'idempotent', (s) =>
        uploadFile(s, { bytes: file.bytes, type, name, purpose: OPENAI_REFERENCE_PURPOSE }),
      );
    },
    liveReferences: (context) =>
      run(context, 'reference file list', 'idempotent', (s) =>
        listFiles(s, OPENAI_REFERENCE_PURPOSE),
      ),
    uploadInput: (jsonl, context) =>
      run(context, 'batch file upload', 'idempotent', (s) =>
        uploadFile(s, {
          bytes: jsonl,
          type: 'application/jsonl',
          name: 'herogen-batch.jsonl',
          purpose: 'batch',
        }),
      ),
    create: (input, context) =>
      // Never repeated: a create whose answer is lost may have made the batch (see `find`).
      run(context, 'batch create', 'create', async (s) =>
        readBatch(
          s,
          await sendJson(s, {
            method: 'POST',
            path: '/batches',
            body: JSON.stringify({
              input_file_id: input.inputFileId,
              endpoint: input.endpoint,
              completion_window: '24h',
              metadata: input.metadata,
            }),
          }),
        ),
      ),
    find: (inputFileId, since, context) =>
      run(context, 'batch list', 'idempotent', (s) => findBatch(s, inputFileId, since)),
    retrieve: (id, context) =>
      run(context, `batch ${id} status`, 'idempotent', async (s) =>
        readBatch(
          s,
          await sendJson(s, { method: 'GET', path: `/batches/${encodeURIComponent(id)}` }),
        ),
      ),
    cancel: (id, context) =>
      run(context, `batch ${id} cancel`, 'idempotent', async (s) =>
        readBatch(
          s,
          await sendJson(s, { method: 'POST', path: `/batches/${encodeURIComponent(id)}/cancel` }),
        ),
      ),
    download: (fileId, context, saveTo) =>
      run(context, `batch file ${fileId} download`, 'idempotent', (s) =>
        downloadFile(s, fileId, saveTo),
      ),
    readLine: (value, req) => readBatchLine(deps, value, req),
  };
}

/** Resolve settings and key now, and run `fn` with retries on the context's client (or a private one). */
async function withSession<T>(
  how: {
    options: OpenAIProviderOptions;
    deps: OpenAIBatchDeps;
    context: BatchCallContext;
    operation: string;
    mode: 'idempotent' | 'create';
  },
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  const { options, deps, context, operation, mode } = how;
  const settings = resolveOpenAISettings(options);
  const apiKey = requireApiKey(settings.apiKey, 'openai', 'OPENAI_API_KEY');
  const call: CallContext = {
    provider: 'openai',
    model: 'batch',
    operation,
    mode,
    secrets: [apiKey],
    advice: deps.advice,
  };
  const own = context.http
    ? undefined
    : createHttpClient({ concurrency: 2, timeoutMs: context.timeoutMs });
  const session: Session = {
    http: context.http ?? own!,
    baseURL: settings.baseURL,
    headers: openAIHeaders(settings, apiKey),
    call,
    context,
    deps,
  };
  try {
    return await withRetry(() => fn(session), {
      policy: resolveRetryPolicy(options.retry, context.maxRetries),
      ...(context.signal ? { signal: context.signal } : {}),
      onRetry: (info) =>
        context.logger.debug(
          `openai batch: ${operation} attempt ${info.attempt} failed, retrying in ${info.delayMs} ms: ${info.reason}`,
        ),
    });
  } finally {
    await own?.close();
  }
}

function send(
  s: Session,
  req: {
    method: 'GET' | 'POST';
    path: string;
    body?: string | object;
    maxBodyBytes?: number;
    saveTo?: string;
  },
): Promise<HttpResponse> {
  const json = typeof req.body === 'string';
  return sendApiRequest(
    s.http,
    {
      method: req.method,
      url: `${s.baseURL}${req.path}`,
      headers: json ? { ...s.headers, 'content-type': 'application/json' } : s.headers,
      ...(req.body === undefined ? {} : { body: req.body as never }),
      ...(s.context.signal ? { signal: s.context.signal } : {}),
      timeoutMs: s.context.timeoutMs,
      maxBodyBytes: req.maxBodyBytes ?? DEFAULT_MAX_JSON_BYTES,
      ...(req.saveTo ? { saveTo: req.saveTo } : {}),
    },
    s.call,
    s.deps.readError,
  );
}

/** `send`, its answer parsed as JSON. */
async function sendJson(s: Session, req: Parameters<typeof send>[1]): Promise<unknown> {
  return parseJsonResponse(s.call, await send(s, req));
}

async function uploadFile(
  s: Session,
  file: { bytes: Uint8Array; type: string; name: string; purpose: string },
): Promise<string> {
  const { FormData } = await import('undici');
  const form = new FormData();
  form.append('purpose', file.purpose);
  form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
  const response = await send(s, { method: 'POST', path: '/files', body: form });
  const parsed = fileSchema.safeParse(parseJsonResponse(s.call, response));
  if (!parsed.success) {
    throw new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      'openai batch: the file upload answered without a file id.',
    );
  }
  return parsed.data.id;
}

/** Ids of the files of `purpose` the API still has (`GET /files`, paged by `after`). */
async function listFiles(s: Session, purpose: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const query = `purpose=${encodeURIComponent(purpose)}&limit=10000${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const parsed = fileListSchema.safeParse(
      await sendJson(s, { method: 'GET', path: `/files?${query}` }),
    );
    if (!parsed.success) {
      throw new HerogenError('PROVIDER_BAD_RESPONSE', 'openai batch: the file list is unusable.');
    }
    for (const file of parsed.data.data) ids.add(file.id);
    after = parsed.data.data.at(-1)?.id;
    if (!parsed.data.has_more || !after) break;
  }
  return ids;
}

/**
 * The batch created over `inputFileId`, if any (`GET /batches`, newest first, paged by `after`),
 * looking back to batches created at `since` (unix seconds, minus a minute of clock skew).
 */
async function findBatch(
  s: Session,
  inputFileId: string,
  since: number,
): Promise<RemoteBatch | undefined> {
  let after: string | undefined;
  for (let page = 0; page < 50; page++) {
    const query = `limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const json = await sendJson(s, { method: 'GET', path: `/batches?${query}` });
    const parsed = batchListSchema.safeParse(json);
    if (!parsed.success) {
      throw new HerogenError('PROVIDER_BAD_RESPONSE', 'openai batch: the batch list is unusable.');
    }
    const data = parsed.data.data;
    const index = data.findIndex((b) => b.input_file_id === inputFileId);
    if (index !== -1) {
      return readBatch(s, (json as { data: unknown[] }).data[index]);
    }
    after = data.at(-1)?.id;
    const oldest = data.at(-1)?.created_at;
    if (!parsed.data.has_more || !after || (oldest !== undefined && oldest < since - 60)) break;
  }
  return undefined;
}

async function downloadFile(s: Session, fileId: string, saveTo: string): Promise<boolean> {
  try {
    await send(s, {
      method: 'GET',
      path: `/files/${encodeURIComponent(fileId)}/content`,
      maxBodyBytes: MAX_OUTPUT_BYTES,
      saveTo,
    });
    return true;
  } catch (error) {
    // Gone: expired or deleted. The caller reports what that loses.
    if (HerogenError.is(error) && (error.status === 404 || error.status === 410)) return false;
    throw error;
  }
}

/** A `Batch` object (parsed JSON) as herogen reads it. */
function readBatch(s: Session, value: unknown): RemoteBatch {
  const parsed = batchSchema.safeParse(value);
  if (!parsed.success) {
    throw new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      `openai batch: ${s.call.operation} returned an unusable answer: ${parsed.error.issues[0]?.message ?? 'not a batch'}.`,
    );
  }
  const data = parsed.data;
  return {
    id: data.id,
    status: data.status,
    ...(data.output_file_id ? { outputFileId: data.output_file_id } : {}),
    ...(data.error_file_id ? { errorFileId: data.error_file_id } : {}),
    ...(data.created_at === undefined ? {} : { createdAt: data.created_at }),
    requestCounts: data.request_counts ?? { total: 0, completed: 0, failed: 0 },
    errors: (data.errors?.data ?? []).map((e) => ({
      ...(e.code ? { code: e.code } : {}),
      message: e.message ?? e.code ?? 'unknown error',
      ...(typeof e.line === 'number' ? { line: e.line } : {}),
    })),
  };
}

/** One line of an output or error file: an image at the batch price, or why there is none. */
function readBatchLine(
  deps: OpenAIBatchDeps,
  value: unknown,
  req: GenerationRequest | undefined,
): BatchLineResult {
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) {
    return { customId: '', ok: false, message: 'a line of the batch file is not a batch result' };
  }
  const { custom_id: customId, response, error } = parsed.data;
  const requestId = response?.request_id ?? undefined;
  const ids = requestId ? { requestId } : {};
  if (response?.status_code !== 200) {
    const details = response ? deps.readError(response.body, '') : {};
    const code = details.code ?? error?.code;
    return {
      customId,
      ok: false,
      ...(response ? { status: response.status_code } : {}),
      ...(code ? { code } : {}),
      message: details.message ?? error?.message ?? `HTTP ${response?.status_code ?? 'unknown'}`,
      ...ids,
    };
  }
  if (!req) {
    return { customId, ok: false, message: 'no request of this batch has this custom_id', ...ids };
  }
  const call: CallContext = {
    provider: 'openai',
    model: req.model,
    operation: 'batch image',
    mode: 'idempotent',
    secrets: [],
    advice: deps.advice,
  };
  try {
    const image = deps.readImage(call, req, {
      headers: requestId ? { 'x-request-id': requestId } : {},
      json: response.body,
      priceFactor: OPENAI_BATCH_PRICE_FACTOR,
    });
    return { customId, ok: true, image };
  } catch (failure) {
    if (!HerogenError.is(failure)) throw failure;
    const billed = failure.billed;
    return {
      customId,
      ok: false,
      status: 200,
      message: failure.message,
      ...ids,
      ...(billed
        ? {
            billed: {
              costUsd: billed.costUsd,
              ...(billed.requestId ? { requestId: billed.requestId } : {}),
            },
          }
        : {}),
    };
  }
}
