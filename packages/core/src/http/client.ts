/**
 * The one HTTP client of a run: an undici Agent with keep-alive and a connection count tied to
 * the run's concurrency. Redirects are never followed (a 3xx comes back as a response: API
 * calls treat it as an error, downloads check each hop themselves). Requests to URLs taken from
 * an API answer can be held to public addresses, checked on the address actually connected to.
 * Bodies are read into memory under a byte cap, or streamed under the same cap to a file
 * (`saveTo`) or into a sink that decodes them as they arrive (`sink`). Failures below HTTP come out as a
 * `TransportError` whose `kind` says whether the request can have reached the server, which
 * decides billing and retry.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Agent, Dispatcher } from 'undici';
import type { HttpBodySink, HttpClient, HttpRequest, HttpResponse } from '../types.js';
import { ownBytes } from './media.js';
import {
  isPublicAddress,
  NON_PUBLIC_ADDRESS,
  nonPublicAddressError,
  publicOnlyLookup,
} from './public-address.js';

type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;

/** undici is loaded on the first request, so commands that make none (plan, check) start faster. */
function loadUndici(): Promise<Undici> {
  undici ??= import('undici');
  return undici;
}

/** 64 MiB: a 4K PNG as base64 inside JSON stays far below this. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024 * 1024;
/** 64 MiB for downloaded image files. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;
/** Per request: headers and body, 5 minutes like a slow image generation. */
export const DEFAULT_TIMEOUT_MS = 300_000;

export interface HttpClientOptions {
  /** Parallel requests per origin (the scheduler's concurrency). @default 4 */
  concurrency?: number;
  /** Default per-request deadline for headers and body. @default 300_000 */
  timeoutMs?: number;
  /** Idle keep-alive sockets are closed after this long. @default 30_000 */
  keepAliveTimeoutMs?: number;
}

export type { HttpClient, HttpRequest, HttpResponse } from '../types.js';

/**
 * - `aborted`: the caller's signal fired.
 * - `timeout`: the deadline passed; the server may have received (and billed) the request.
 * - `unsent`: the connection could not be made; the server never saw the request.
 * - `lost`: the connection broke after the request was sent (reset, truncated body).
 * - `too-large`: the body exceeded `maxBodyBytes`.
 * - `refused`: `publicOnly` and the host's address is not public; nothing was sent.
 */
export type TransportErrorKind =
  | 'aborted'
  | 'timeout'
  | 'unsent'
  | 'lost'
  | 'too-large'
  | 'refused';

export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  /** Set when the failure came after the response headers (e.g. a truncated body). */
  readonly status: number | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly errorCode: string | undefined;

  constructor(
    kind: TransportErrorKind,
    message: string,
    options: { status?: number; headers?: Record<string, string>; code?: string } = {},
  ) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
    this.status = options.status;
    this.headers = options.headers;
    this.errorCode = options.code;
  }
}

/** Connection-stage failures: the request bytes never left. */
const UNSENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** undici nests the system error (ECONNREFUSED, ECONNRESET…) as the cause. */
function systemCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function bytesWritten(error: unknown): number | undefined {
  const socket = (error as { socket?: { bytesWritten?: unknown } | null }).socket;
  return typeof socket?.bytesWritten === 'number' ? socket.bytesWritten : undefined;
}

function flattenHeaders(
  raw: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function classify(
  error: unknown,
  state: { timedOut: boolean; callerAborted: boolean; status?: number },
): TransportError {
  if (error instanceof TransportError) return error;
  const code = errorCode(error);
  const sys = systemCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  const extra = { status: state.status, code: sys ?? code };
  if (code === NON_PUBLIC_ADDRESS || sys === NON_PUBLIC_ADDRESS) {
    const reason = code === NON_PUBLIC_ADDRESS ? detail : String((error as Error).cause);
    return new TransportError('refused', reason.replace(/^Error: /, ''), extra);
  }
  if (state.callerAborted) return new TransportError('aborted', 'the request was aborted', extra);
  if (state.timedOut || (code && TIMEOUT_CODES.has(code))) {
    return new TransportError('timeout', 'no complete response before the deadline', extra);
  }
  if ((code && UNSENT_CODES.has(code)) || (sys && UNSENT_CODES.has(sys))) {
    return new TransportError('unsent', `could not connect (${sys ?? code})`, extra);
  }
  // A socket that died before writing anything never carried the request.
  if (code === 'UND_ERR_SOCKET' && bytesWritten(error) === 0) {
    return new TransportError('unsent', `connection closed before sending (${detail})`, extra);
  }
  return new TransportError('lost', `connection lost (${sys ?? code ?? detail})`, extra);
}

/** Drop a body mid-stream; the abort error it emits is expected, so it must not go unhandled. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** A body whose declared length is over the cap is refused before a byte is read. */
function refuseDeclared(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  status: number,
  headers: Record<string, string>,
): void {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(body);
    throw new TransportError(
      'too-large',
      `the response declares ${declared} bytes, more than the ${maxBytes}-byte limit`,
      { status, headers },
    );
  }
}

function tooLarge(maxBytes: number, status: number, headers: Record<string, string>) {
  return new TransportError('too-large', `the response exceeded the ${maxBytes}-byte limit`, {
    status,
    headers,
  });
}

/**
 * The body's chunks, stopped with a `too-large` error as soon as they pass the cap: every way a
 * body is read (into memory, to a file, into a sink) goes through here.
 */
async function* cappedChunks(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  status: number,
  headers: Record<string, string>,
): AsyncGenerator<Buffer> {
  refuseDeclared(body, maxBytes, status, headers);
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      discard(body);
      throw tooLarge(maxBytes, status, headers);
    }
    yield buf;
  }
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  status: number,
  headers: Record<string, string>,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const buf of cappedChunks(body, maxBytes, status, headers)) {
    total += buf.length;
    chunks.push(buf);
  }
  return ownBytes(Buffer.concat(chunks, total));
}

/** Hand the body to `sink` as it arrives, under the cap. */
async function sinkCapped(
  body: Dispatcher.ResponseData['body'],
  sink: HttpBodySink,
  maxBytes: number,
  response: { status: number; headers: Record<string, string> },
): Promise<void> {
  const { status, headers } = response;
  sink.start?.(headers);
  for await (const buf of cappedChunks(body, maxBytes, status, headers)) sink.write(buf);
}

/** Stream a body to `path` under the cap: a temporary name, flushed, then renamed. */
async function saveCapped(
  body: Dispatcher.ResponseData['body'],
  path: string,
  maxBytes: number,
  response: { status: number; headers: Record<string, string> },
): Promise<void> {
  const { status, headers } = response;
  refuseDeclared(body, maxBytes, status, headers);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
  try {
    await pipeline(
      cappedChunks(body, maxBytes, status, headers),
      createWriteStream(temp, { flush: true }),
    );
    await rename(temp, path);
  } catch (error) {
    discard(body);
    await rm(temp, { force: true });
    throw error;
  }
}

/** One keep-alive agent for the whole run; `close()` when the run ends. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let dispatchers:
    | Promise<{ agent: Agent; publicOnly: Agent; request: Undici['request'] }>
    | undefined;
  const ready = () => {
    dispatchers ??= loadUndici().then(({ Agent, request }) => {
      const settings = {
        connections: concurrency,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
        headersTimeout: defaultTimeout,
        bodyTimeout: defaultTimeout,
      };
      const agent = new Agent(settings);
      const publicOnly = new Agent({ ...settings, connect: { lookup: publicOnlyLookup } });
      return { agent, publicOnly, request };
    });
    return dispatchers;
  };
  let closed = false;

  async function send(req: HttpRequest): Promise<HttpResponse> {
    if (closed) throw new TransportError('unsent', 'the HTTP client was closed');
    const timeoutMs = req.timeoutMs ?? defaultTimeout;
    const state: { timedOut: boolean; callerAborted: boolean; status?: number } = {
      timedOut: false,
      callerAborted: false,
    };
    if (req.signal?.aborted) throw new TransportError('aborted', 'the request was aborted');
    const guarded = req.publicOnly ? needsPublicAddress(req.url, req.publicOnly.exceptHost) : false;
    const { agent, publicOnly, request } = await ready();
    if (closed) throw new TransportError('unsent', 'the HTTP client was closed');
    const controller = new AbortController();
    const onAbort = () => {
      state.callerAborted = true;
      controller.abort();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      state.timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: controller.signal,
        dispatcher: guarded ? publicOnly : agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      state.status = res.statusCode;
      const headers = flattenHeaders(res.headers);
      try {
        const maxBytes = req.maxBodyBytes ?? DEFAULT_MAX_JSON_BYTES;
        if (req.saveTo && res.statusCode >= 200 && res.statusCode < 300) {
          await saveCapped(res.body, req.saveTo, maxBytes, { status: res.statusCode, headers });
          return { status: res.statusCode, headers, body: new Uint8Array() };
        }
        if (req.sink && res.statusCode >= 200 && res.statusCode < 300) {
          await sinkCapped(res.body, req.sink, maxBytes, { status: res.statusCode, headers });
          return { status: res.statusCode, headers, body: new Uint8Array() };
        }
        const body = await readCapped(res.body, maxBytes, res.statusCode, headers);
        return { status: res.statusCode, headers, body };
      } catch (error) {
        const failure = classify(error, state);
        throw new TransportError(failure.kind, failure.message, {
          status: res.statusCode,
          headers,
          code: failure.errorCode,
        });
      }
    } catch (error) {
      throw classify(error, state);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    request: send,
    async close() {
      if (closed) return;
      closed = true;
      if (dispatchers) {
        const { agent, publicOnly } = await dispatchers;
        await Promise.all([agent.close(), publicOnly.close()]);
      }
    },
  };
}

/**
 * Whether a `publicOnly` request must go through the checking agent. An IP literal is checked
 * here (no DNS lookup happens for it), a host name when it is resolved at connect time.
 */
function needsPublicAddress(url: string, exceptHost: string | undefined): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return true;
  }
  if (exceptHost !== undefined && hostname.toLowerCase() === exceptHost.toLowerCase()) {
    return false;
  }
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0 && !isPublicAddress(bare)) {
    throw new TransportError('refused', nonPublicAddressError(bare, bare).message, {
      code: NON_PUBLIC_ADDRESS,
    });
  }
  return true;
}
