/**
 * Downloading a finished hiapi task's image. Its URL comes from an API answer, so it is not
 * trusted: only https (or the base URL's own origin, e.g. a local mock), only public addresses
 * (except the base URL's own host), at most a few redirects, each hop checked the same way, and
 * never with the API key. A 403/404/410 before `expireAt` is treated as a CDN that has not
 * caught up and retried; only a URL past `expireAt` counts as expired.
 */
import { HerogenError } from '../../errors.js';
import { type HttpClient, type HttpResponse, TransportError } from '../../http/client.js';
import { badResponse, type CallContext, statusError, transportError } from '../../http/errors.js';
import { redact } from '../../http/redact.js';
import { type WithRetryOptions, withRetry } from '../../http/retry.js';

/** Redirects followed before a download is refused. */
export const MAX_DOWNLOAD_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Answers a file host gives for a link it does not (or no longer, or not yet) serve. */
const GONE = new Set([403, 404, 410]);

/** The URL's expiry has passed: only a new task can give the image again. */
export class ExpiredDownload extends Error {}

/** Why `target` may not be downloaded for an API at `base`, or undefined when it may. */
export function checkDownloadUrl(target: URL, base: URL): string | undefined {
  if (target.protocol === 'https:') return undefined;
  if (target.protocol === 'http:' && target.origin === base.origin) return undefined;
  if (target.protocol !== 'http:')
    return `only https downloads are accepted, not ${target.protocol}`;
  return base.protocol === 'https:'
    ? 'it is plain http while the base URL uses https (a downgrade)'
    : `it is plain http on another host than the base URL (${base.origin}); only https downloads, or plain http from the base URL's own origin, are accepted`;
}

/** A URL safe to print: no credentials, and the query (often a signature) left out. */
export function describeDownloadUrl(url: URL, secrets: readonly string[]): string {
  const query = url.search ? '?…' : '';
  return redact(`${url.protocol}//${url.host}${url.pathname}${query}`, secrets);
}

export interface DownloadInput {
  http: HttpClient;
  /** `output[0].url` of the finished task. */
  url: string;
  /** `output[0].expireAt`, Unix seconds. */
  expireAt: number | undefined;
  /** The API's base URL: its origin may be plain http, its host may be private. */
  baseURL: string;
  call: CallContext;
  signal: AbortSignal;
  timeoutMs: number;
  maxBodyBytes: number;
  retry: WithRetryOptions;
  now?: () => number;
}

/** The image bytes, retried like any idempotent read; throws `ExpiredDownload` past `expireAt`. */
export async function downloadTaskImage(input: DownloadInput): Promise<Uint8Array> {
  const { call } = input;
  const now = input.now ?? Date.now;
  const secrets = call.secrets.filter((secret): secret is string => secret !== undefined);
  let first: URL;
  try {
    first = new URL(input.url);
  } catch {
    throw badResponse(call, 'the finished task has no valid `output[0].url`');
  }
  const base = new URL(input.baseURL);
  const expiresAt = input.expireAt === undefined ? undefined : input.expireAt * 1000;
  const expiry = expiresAt === undefined ? '' : new Date(expiresAt).toISOString();
  if (expiresAt !== undefined && expiresAt <= now()) {
    throw new ExpiredDownload(`its download URL expired at ${expiry}`);
  }
  const refused = (url: URL, from: URL | undefined, why: string) =>
    new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      redact(
        `${call.provider} ${call.model}: refused to download the image of task ${call.taskId} from ${describeDownloadUrl(url, secrets)}${from ? ` (a redirect from ${describeDownloadUrl(from, secrets)})` : ''}: ${why}.`,
        secrets,
      ),
      { requestId: call.taskId },
    );

  const attempt = async (): Promise<Uint8Array> => {
    let url = first;
    let from: URL | undefined;
    for (let hop = 0; ; hop++) {
      const why = checkDownloadUrl(url, base);
      if (why) throw refused(url, from, why);
      let response: HttpResponse;
      try {
        // No credentials: the file URL is a CDN link and must not see the key.
        response = await input.http.request({
          method: 'GET',
          url: url.href,
          headers: { 'user-agent': 'herogen' },
          signal: input.signal,
          timeoutMs: input.timeoutMs,
          maxBodyBytes: input.maxBodyBytes,
          publicOnly: { exceptHost: base.hostname },
        });
      } catch (error) {
        if (error instanceof TransportError && error.kind === 'refused') {
          throw refused(url, from, error.message);
        }
        if (error instanceof TransportError) throw transportError(call, error, input.timeoutMs);
        throw error;
      }
      const location = response.headers.location;
      if (REDIRECTS.has(response.status) && location) {
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw refused(url, from, 'it redirects to something that is not a URL');
        }
        if (hop >= MAX_DOWNLOAD_REDIRECTS) {
          throw refused(next, url, `more than ${MAX_DOWNLOAD_REDIRECTS} redirects`);
        }
        from = url;
        url = next;
        continue;
      }
      if (GONE.has(response.status)) {
        if (expiresAt !== undefined && expiresAt <= now()) {
          throw new ExpiredDownload(`the file answered HTTP ${response.status} after ${expiry}`);
        }
        throw new HerogenError(
          'PROVIDER_UNAVAILABLE',
          `${call.provider} ${call.model}: download of task ${call.taskId} answered HTTP ${response.status}, though its URL ${expiry ? `is valid until ${expiry}` : 'has no expiry'}.`,
          { retryable: true, status: response.status, requestId: call.taskId },
        );
      }
      if (response.status < 200 || response.status >= 300) {
        const text = Buffer.from(response.body.subarray(0, 300)).toString('utf8');
        throw statusError(call, response.status, response.headers, { message: text });
      }
      return response.body;
    }
  };
  return withRetry(attempt, input.retry);
}
