/**
 * One API request with every failure already mapped to a `HerogenError`, and the glue that lets
 * a provider use the run's shared client or, outside a run, a short-lived one.
 */
import type { ProviderContext } from '../types.js';
import {
  createHttpClient,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  TransportError,
} from './client.js';
import {
  type ApiErrorDetails,
  badResponse,
  type CallContext,
  statusError,
  transportError,
} from './errors.js';

/** Run `fn` with the context's client, or with one made for this call and closed after it. */
export async function withHttpClient<T>(
  context: ProviderContext,
  fn: (http: HttpClient) => Promise<T>,
): Promise<T> {
  if (context.http) return fn(context.http);
  const http = createHttpClient({ concurrency: 2, timeoutMs: context.timeoutMs });
  try {
    return await fn(http);
  } finally {
    await http.close();
  }
}

/** Parse a body as JSON, or undefined. */
export function tryParseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Send one request. Resolves with a 2xx response; every other outcome throws a `HerogenError`
 * (status errors read through `readError`, which knows the API's error body shape).
 */
export async function sendApiRequest(
  http: HttpClient,
  request: HttpRequest,
  call: CallContext,
  readError: (body: unknown, text: string) => ApiErrorDetails,
): Promise<HttpResponse> {
  let response: HttpResponse;
  try {
    response = await http.request(request);
  } catch (error) {
    if (error instanceof TransportError) throw transportError(call, error, request.timeoutMs);
    throw error;
  }
  if (response.status >= 200 && response.status < 300) return response;
  const text = Buffer.from(response.body.subarray(0, 64 * 1024)).toString('utf8');
  const details = readError(tryParseJson(response.body), text);
  throw statusError(call, response.status, response.headers, details);
}

/** A 2xx body as JSON, or PROVIDER_BAD_RESPONSE. */
export function parseJsonResponse(call: CallContext, response: HttpResponse): unknown {
  const value = tryParseJson(response.body);
  if (value === undefined) {
    throw badResponse(call, 'the body is not valid JSON', response.headers['x-request-id'], {
      status: response.status,
    });
  }
  return value;
}
