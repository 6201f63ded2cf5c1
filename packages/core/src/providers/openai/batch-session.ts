/**
 * How every call of the OpenAI Batch and Files APIs is made: settings and key resolved when the
 * call is made (keys are read late), retried by the call's mode, on the caller's HTTP client or
 * a private one, errors read by the synchronous provider's reader.
 */
import { parseJsonResponse, sendApiRequest } from '../../http/call.js';
import { createHttpClient, DEFAULT_MAX_JSON_BYTES } from '../../http/client.js';
import type { ApiErrorDetails, CallContext, ErrorAdvice } from '../../http/errors.js';
import { resolveRetryPolicy, withRetry } from '../../http/retry.js';
import type {
  BatchCallContext,
  GeneratedImage,
  GenerationRequest,
  HttpClient,
  HttpResponse,
} from '../../types.js';
import { requireApiKey } from '../preflight.js';
import { type OpenAIProviderOptions, openAIHeaders, resolveOpenAISettings } from './options.js';

/** What the batch side borrows from the synchronous provider, so both build and read alike. */
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
export interface Session {
  http: HttpClient;
  baseURL: string;
  headers: Record<string, string>;
  call: CallContext;
  context: BatchCallContext;
  deps: OpenAIBatchDeps;
}

/** A request of a session, relative to the base URL. */
export interface SessionRequest {
  method: 'GET' | 'POST';
  path: string;
  /** A string is sent as JSON; an object (a form) as itself. */
  body?: string | object;
  maxBodyBytes?: number;
  saveTo?: string;
}

/** Resolve settings and key now, and run `fn` with retries on the context's client (or a private one). */
export async function withSession<T>(
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

export function send(s: Session, req: SessionRequest): Promise<HttpResponse> {
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
export async function sendJson(s: Session, req: SessionRequest): Promise<unknown> {
  return parseJsonResponse(s.call, await send(s, req));
}
