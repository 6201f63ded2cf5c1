/**
 * OpenAI's Batch API for images (openai-batch-openapi.json): upload a JSONL file of requests
 * (`POST /files`, purpose `batch`), create a batch over it (`POST /batches`, window `24h`), poll
 * it (`GET /batches/{id}`), cancel it, and download its output and error files
 * (`GET /files/{id}/content`). Each line's `body` is the synchronous request body, built by the
 * same function; each output line's `body` is a synchronous answer, read by the same reader.
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
    // Edits take multipart reference images in the sync API; they stay synchronous.
    endpointFor: (req) => (req.references.length === 0 ? '/v1/images/generations' : undefined),
    line: (customId, req) =>
      JSON.stringify({
        custom_id: customId,
        method: 'POST',
        url: '/v1/images/generations',
        body: deps.body(req),
      }),
    async submit(input, context) {
      // The upload may be repeated (an unused file costs nothing); the create may not.
      const file = await run(context, 'batch file upload', 'idempotent', (s) =>
        uploadFile(s, input.jsonl),
      );
      return run(context, 'batch create', 'create', async (s) =>
        readBatch(
          s,
          await send(s, {
            method: 'POST',
            path: '/batches',
            body: JSON.stringify({
              input_file_id: file,
              endpoint: input.endpoint,
              completion_window: '24h',
              metadata: input.metadata,
            }),
          }),
        ),
      );
    },
    retrieve: (id, context) =>
      run(context, `batch ${id} status`, 'idempotent', async (s) =>
        readBatch(s, await send(s, { method: 'GET', path: `/batches/${encodeURIComponent(id)}` })),
      ),
    cancel: (id, context) =>
      run(context, `batch ${id} cancel`, 'idempotent', async (s) =>
        readBatch(
          s,
          await send(s, { method: 'POST', path: `/batches/${encodeURIComponent(id)}/cancel` }),
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

async function uploadFile(s: Session, jsonl: Uint8Array): Promise<string> {
  const { FormData } = await import('undici');
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), 'herogen-batch.jsonl');
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

function readBatch(s: Session, response: HttpResponse): RemoteBatch {
  const parsed = batchSchema.safeParse(parseJsonResponse(s.call, response));
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
