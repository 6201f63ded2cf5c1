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
  RemoteBatch,
} from '../../types.js';
import { requireApiKey } from '../preflight.js';
import { type OpenAIProviderOptions, openAIHeaders, resolveOpenAISettings } from './options.js';

/** OpenAI bills batch requests at half the synchronous price. */
export const OPENAI_BATCH_PRICE_FACTOR = 0.5;
/** Documented limits of one input file. */
export const OPENAI_BATCH_LIMITS = { maxRequests: 50_000, maxBytes: 200 * 1000 * 1000 } as const;
/** Output files can be large (base64 images): up to 2 GB is read. */
const MAX_OUTPUT_BYTES = 2 * 1024 * 1024 * 1024;

const count = z.number().int().nonnegative();
/** The parts of a `Batch` herogen reads; loose on purpose (unknown fields ignored). */
const batchSchema = z.object({
  id: z.string().regex(/^[\w-]{1,200}$/),
  status: z.enum(REMOTE_BATCH_STATUSES),
  output_file_id: z
    .string()
    .regex(/^[\w-]{1,200}$/)
    .nullish(),
  error_file_id: z
    .string()
    .regex(/^[\w-]{1,200}$/)
    .nullish(),
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
const fileSchema = z.object({ id: z.string().regex(/^[\w-]{1,200}$/) });
const lineSchema = z.object({
  custom_id: z.string(),
  response: z
    .object({
      status_code: z.number().int(),
      request_id: z.string().nullish(),
      body: z.unknown(),
    })
    .nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export interface OpenAIBatchDeps {
  /** The synchronous generation body of a request. */
  body(request: GenerationRequest): Record<string, unknown>;
  /** The synchronous answer reader, with a price factor. */
  readImage(
    call: CallContext,
    request: GenerationRequest,
    headers: Record<string, string>,
    json: unknown,
    priceFactor: number,
  ): GeneratedImage;
  readError(body: unknown, text: string): ApiErrorDetails;
  advice: ErrorAdvice;
}

/** The batch side of the `openai` provider. */
export function createOpenAIBatchApi(
  options: OpenAIProviderOptions,
  deps: OpenAIBatchDeps,
): BatchApi {
  /** One API call with retries; `mode` says whether repeating it could pay twice. */
  async function call<T>(
    context: BatchCallContext,
    operation: string,
    mode: 'idempotent' | 'create',
    send: (http: HttpClient, settings: Settings) => Promise<T>,
  ): Promise<T> {
    const settings = resolveOpenAISettings(options);
    const apiKey = requireApiKey(settings.apiKey, 'openai', 'OPENAI_API_KEY');
    const ctx: CallContext = {
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
    const http = context.http ?? own!;
    try {
      return await withRetry(
        () =>
          send(http, {
            baseURL: settings.baseURL,
            headers: openAIHeaders(settings, apiKey),
            call: ctx,
          }),
        {
          policy: resolveRetryPolicy(options.retry, context.maxRetries),
          ...(context.signal ? { signal: context.signal } : {}),
          onRetry: (info) =>
            context.logger.debug(
              `openai batch: ${operation} attempt ${info.attempt} failed, retrying in ${info.delayMs} ms: ${info.reason}`,
            ),
        },
      );
    } finally {
      await own?.close();
    }
  }

  async function request(
    http: HttpClient,
    s: Settings,
    method: 'GET' | 'POST',
    path: string,
    context: BatchCallContext,
    body?: string | FormData,
    maxBodyBytes = DEFAULT_MAX_JSON_BYTES,
  ) {
    return sendApiRequest(
      http,
      {
        method,
        url: `${s.baseURL}${path}`,
        headers:
          typeof body === 'string'
            ? { ...s.headers, 'content-type': 'application/json' }
            : s.headers,
        ...(body === undefined ? {} : { body: body as never }),
        ...(context.signal ? { signal: context.signal } : {}),
        timeoutMs: context.timeoutMs,
        maxBodyBytes,
      },
      s.call,
      deps.readError,
    );
  }

  const readBatch = (s: Settings, response: Parameters<typeof parseJsonResponse>[1]) => {
    const parsed = batchSchema.safeParse(parseJsonResponse(s.call, response));
    if (!parsed.success) {
      throw new HerogenError(
        'PROVIDER_BAD_RESPONSE',
        `openai batch: ${s.call.operation} returned an unusable answer: ${parsed.error.issues[0]?.message ?? 'not a batch'}.`,
      );
    }
    return toRemoteBatch(parsed.data);
  };

  return {
    priceFactor: OPENAI_BATCH_PRICE_FACTOR,
    limits: OPENAI_BATCH_LIMITS,

    endpointFor(req) {
      // Edits take multipart reference images in the sync API; they stay synchronous.
      return req.references.length === 0 ? '/v1/images/generations' : undefined;
    },

    line(customId, req) {
      return JSON.stringify({
        custom_id: customId,
        method: 'POST',
        url: '/v1/images/generations',
        body: deps.body(req),
      });
    },

    async submit(input, context) {
      // The upload may be repeated (an unused file costs nothing); the create may not.
      const file = await call(context, 'batch file upload', 'idempotent', async (http, s) => {
        const { FormData } = await import('undici');
        const form = new FormData();
        form.append('purpose', 'batch');
        form.append(
          'file',
          new Blob([input.jsonl], { type: 'application/jsonl' }),
          'herogen-batch.jsonl',
        );
        const response = await request(http, s, 'POST', '/files', context, form as never);
        const parsed = fileSchema.safeParse(parseJsonResponse(s.call, response));
        if (!parsed.success) {
          throw new HerogenError(
            'PROVIDER_BAD_RESPONSE',
            'openai batch: the file upload answered without a file id.',
          );
        }
        return parsed.data.id;
      });
      return call(context, 'batch create', 'create', async (http, s) =>
        readBatch(
          s,
          await request(
            http,
            s,
            'POST',
            '/batches',
            context,
            JSON.stringify({
              input_file_id: file,
              endpoint: input.endpoint,
              completion_window: '24h',
              metadata: input.metadata,
            }),
          ),
        ),
      );
    },

    retrieve(id, context) {
      return call(context, `batch ${id} status`, 'idempotent', async (http, s) =>
        readBatch(s, await request(http, s, 'GET', `/batches/${encodeURIComponent(id)}`, context)),
      );
    },

    cancel(id, context) {
      return call(context, `batch ${id} cancel`, 'idempotent', async (http, s) =>
        readBatch(
          s,
          await request(http, s, 'POST', `/batches/${encodeURIComponent(id)}/cancel`, context),
        ),
      );
    },

    download(fileId, context) {
      return call(context, `batch file ${fileId} download`, 'idempotent', async (http, s) => {
        try {
          const response = await request(
            http,
            s,
            'GET',
            `/files/${encodeURIComponent(fileId)}/content`,
            context,
            undefined,
            MAX_OUTPUT_BYTES,
          );
          return response.body;
        } catch (error) {
          if (HerogenError.is(error) && (error.status === 404 || error.status === 410)) {
            return undefined;
          }
          throw error;
        }
      });
    },

    readLine(value, req): BatchLineResult {
      const parsed = lineSchema.safeParse(value);
      if (!parsed.success) {
        return {
          customId: '',
          ok: false,
          message: 'a line of the batch file is not a batch result',
        };
      }
      const { custom_id: customId, response, error } = parsed.data;
      const requestId = response?.request_id ?? undefined;
      const ids = requestId ? { requestId } : {};
      if (response?.status_code !== 200) {
        const details = response ? deps.readError(response.body, '') : {};
        return {
          customId,
          ok: false,
          ...(response ? { status: response.status_code } : {}),
          ...((details.code ?? error?.code) ? { code: (details.code ?? error?.code)! } : {}),
          message:
            details.message ?? error?.message ?? `HTTP ${response?.status_code ?? 'unknown'}`,
          ...ids,
        };
      }
      if (!req) {
        return {
          customId,
          ok: false,
          message: 'no request of this batch has this custom_id',
          ...ids,
        };
      }
      const ctx: CallContext = {
        provider: 'openai',
        model: req.model,
        operation: 'batch image',
        mode: 'idempotent',
        secrets: [],
        advice: deps.advice,
      };
      try {
        const image = deps.readImage(
          ctx,
          req,
          requestId ? { 'x-request-id': requestId } : {},
          response.body,
          OPENAI_BATCH_PRICE_FACTOR,
        );
        return { customId, ok: true, image };
      } catch (failure) {
        if (!HerogenError.is(failure)) throw failure;
        return {
          customId,
          ok: false,
          status: 200,
          message: failure.message,
          ...ids,
          ...(failure.billed
            ? {
                billed: {
                  costUsd: failure.billed.costUsd,
                  ...(failure.billed.requestId ? { requestId: failure.billed.requestId } : {}),
                },
              }
            : {}),
        };
      }
    },
  };
}

interface Settings {
  baseURL: string;
  headers: Record<string, string>;
  call: CallContext;
}

function toRemoteBatch(data: z.infer<typeof batchSchema>): RemoteBatch {
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
