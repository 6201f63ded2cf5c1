import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createBatchStore } from './batch-handler.js';
import { type ParseResult, parseBody, promptOf, summarizeBody } from './body.js';
import type {
  HandlerContext,
  MockTask,
  ParsedBody,
  Reply,
  ResolvedMockApiOptions,
  ServerState,
} from './context.js';
import { createFaultScript, type FaultScript } from './faults.js';
import {
  BodyTooLargeError,
  bearerToken,
  createRequestId,
  readBody,
  redactHeaders,
  sleep,
} from './http-utils.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import {
  type ErrorStyle,
  hiapiErrorReply,
  openaiErrorReply,
  rateLimitReply,
  statusFaultReply,
  unauthorizedReply,
} from './replies.js';
import { classifyRoute, decodeSegment, dispatch } from './routes.js';
import { send, serverBug } from './send.js';
import type { Fault, MockApi, MockApiOptions, MockRoute, RecordedRequest } from './types.js';
import { OUTPUT_TOKENS_PER_MEGAPIXEL } from './usage.js';

export { classifyRoute } from './routes.js';

const PAID_ROUTES: ReadonlySet<MockRoute> = new Set([
  'openai.generations',
  'openai.edits',
  'hiapi.create',
]);

export function resolveMockApiOptions(options: MockApiOptions = {}): ResolvedMockApiOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    apiKey: options.apiKey,
    latencyMs: options.latencyMs ?? 0,
    taskDurationMs: options.taskDurationMs ?? 2000,
    downloadTtlMs: options.downloadTtlMs ?? 3_600_000,
    imagesPerMinute: options.imagesPerMinute,
    rateWindowMs: options.rateWindowMs ?? 60_000,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
    newTakes: options.newTakes ?? false,
    outputTokensPerMegapixel: {
      ...OUTPUT_TOKENS_PER_MEGAPIXEL,
      ...options.outputTokensPerMegapixel,
    },
    batch: {
      validatingMs: options.batch?.validatingMs ?? 100,
      processingMs: options.batch?.processingMs ?? 1000,
      finalizingMs: options.batch?.finalizingMs ?? 100,
      windowMs: options.batch?.windowMs ?? 86_400_000,
      outputTtlMs: options.batch?.outputTtlMs,
      maxRequestsPerFile: options.batch?.maxRequestsPerFile ?? 50_000,
      maxFileBytes: options.batch?.maxFileBytes ?? 200 * 1000 * 1000,
    },
  };
}

/** Start the mock OpenAI Images + hiapi server on a loopback port. */
export async function createMockApi(options: MockApiOptions = {}): Promise<MockApi> {
  const resolved = resolveMockApiOptions(options);
  const state: ServerState = {
    options: resolved,
    baseUrl: '',
    tasks: new Map(),
    batch: createBatchStore(),
    takes: 0,
  };
  const requests: RecordedRequest[] = [];
  const script = createFaultScript(options.faults);
  const limiter = createRateLimiter(resolved.imagesPerMinute, resolved.rateWindowMs);
  const attempts = new Map<string, number>();
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  const parts: ServerParts = { resolved, state, requests, script, limiter, attempts, closing };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(parts, req, res).catch((error: unknown) => {
      // A bug in the mock must not hang the client: answer 500 if we still can.
      if (!res.headersSent && !res.destroyed) {
        send(res, openaiErrorReply(serverBug(error)));
      } else {
        res.destroy();
      }
    });
  };
  const server = options.tls
    ? createTlsServer({ ...options.tls, keepAliveTimeout: 5000 }, onRequest)
    : createServer({ keepAliveTimeout: 5000 }, onRequest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${hostForUrl}:${address.port}`;
  state.baseUrl = url;

  let closed: Promise<void> | undefined;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    hiapiBaseURL: url,
    port: address.port,
    requests,
    paidCalls: () => requests.filter((r) => r.billed).length,
    billedBatchLines: () => state.batch.billedLines,
    deleteFile: (id) => state.batch.files.delete(id),
    setFaults(rules) {
      script.set(rules);
    },
    reset() {
      requests.length = 0;
      state.tasks.clear();
      state.batch = createBatchStore();
      attempts.clear();
      limiter.clear();
      script.resetCounters();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

function acceptsKey(key: string | undefined, expected: string | undefined): boolean {
  if (!key) return false;
  return expected === undefined || key === expected;
}

/** What every request of one mock server shares. */
interface ServerParts {
  resolved: ResolvedMockApiOptions;
  state: ServerState;
  requests: RecordedRequest[];
  script: FaultScript;
  limiter: RateLimiter;
  /** Attempts so far per route and prompt. */
  attempts: Map<string, number>;
  closing: AbortController;
}

/** One request being answered: what it is, its record, and how its reply is sent. */
interface Exchange {
  server: ServerParts;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: MockRoute;
  /** The error body style of the route's API. */
  style: ErrorStyle;
  requestId: string;
  record: RecordedRequest;
  /** Send `reply` (with `fault`'s effect on the bytes) and note its status in the record. */
  finish: (reply: Reply, fault?: Fault) => Promise<void>;
}

/** Answer one request: record it, check key and body, apply its fault, then its handler's reply. */
async function handle(
  server: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const exchange = startExchange(server, req, res);
  const { record, route, style, url, finish } = exchange;
  let raw: Buffer;
  try {
    raw = await readBody(req, server.resolved.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    res.setHeader('connection', 'close');
    const message = `Request body larger than ${server.resolved.maxBodyBytes} bytes.`;
    return finish(requestErrorReply(style, { status: 413, message, code: 'request_too_large' }));
  }
  const parsed = await parseBody(raw, req.headers['content-type']);
  const body: ParsedBody = parsed.ok ? parsed.body : { kind: 'none' };
  record.body = summarizeBody(body);

  const task = taskOf(server.state, route, url);
  const prompt = task ? task.task.prompt : promptOf(body);
  if (prompt !== undefined) record.prompt = prompt;
  record.attempt = nextAttempt(server.attempts, `${route}\u0000${prompt ?? ''}`);

  const key = bearerToken(req);
  const refusal = refusalOf(exchange, key, parsed);
  if (refusal) return finish(refusal);
  return respond(exchange, { body, key, task, prompt });
}

/** Record a request as it arrives and give it its id; its reply is sent through `finish`. */
function startExchange(server: ServerParts, req: IncomingMessage, res: ServerResponse): Exchange {
  const requestId = createRequestId();
  res.setHeader('x-request-id', requestId);
  const url = new URL(req.url ?? '/', 'http://mock.invalid');
  const route = classifyRoute(req.method ?? 'GET', url.pathname);
  const record: RecordedRequest = {
    method: req.method ?? 'GET',
    route,
    path: `${url.pathname}${url.search}`,
    headers: redactHeaders(req.headers),
    body: undefined,
    status: -1,
    attempt: 0,
    at: Date.now(),
    requestId,
    billed: false,
  };
  server.requests.push(record);
  const finish = (reply: Reply, fault?: Fault) => {
    record.status = reply.status;
    record.billed = reply.billed === true;
    return send(res, reply, fault);
  };
  const style: ErrorStyle = route.startsWith('hiapi') ? 'hiapi' : 'openai';
  return { server, req, res, url, route, style, requestId, record, finish };
}

/** The task a hiapi get (`/v1/tasks/:id`) or download (`/files/:id/0.png`) names, if it exists. */
function taskOf(state: ServerState, route: MockRoute, url: URL): MockTask | undefined {
  const segments = url.pathname.split('/');
  const taskId =
    route === 'hiapi.get' ? segments[3] : route === 'hiapi.download' ? segments[2] : undefined;
  return taskId === undefined ? undefined : state.tasks.get(decodeSegment(taskId));
}

/** Count one more attempt under `key` (route or batch line, and prompt); its number. */
function nextAttempt(attempts: Map<string, number>, key: string): number {
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, attempt);
  return attempt;
}

/** Why the request is refused before any fault or handler: unknown path, key, unreadable body. */
function refusalOf(
  exchange: Exchange,
  key: string | undefined,
  parsed: ParseResult,
): Reply | undefined {
  const { req, url, route, style, record, server } = exchange;
  if (route === 'unknown') {
    return openaiErrorReply({
      status: 404,
      message: `Invalid URL (${record.method} ${url.pathname})`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  }
  if (route !== 'hiapi.download' && !acceptsKey(key, server.resolved.apiKey)) {
    return unauthorizedReply(style, req.headers.authorization !== undefined);
  }
  if (!parsed.ok) {
    return requestErrorReply(
      style,
      { status: 400, message: parsed.message, code: null },
      'invalid request: ',
    );
  }
  return undefined;
}

/**
 * Apply the request's scripted fault, run its handler, and send the reply: paid routes after a
 * rate-limit slot and the configured latency, as the real APIs bill and pace them.
 */
async function respond(
  exchange: Exchange,
  request: {
    body: ParsedBody;
    key: string | undefined;
    task: MockTask | undefined;
    prompt: string | undefined;
  },
): Promise<void> {
  const { server, req, res, url, route, style, requestId, record, finish } = exchange;
  const { body, key, task, prompt } = request;
  const { resolved, state, script, limiter, attempts, closing } = server;
  const latency = () => wait(resolved.latencyMs, closing.signal);
  const fault = script.take(route, prompt, record.attempt);
  if (fault) record.fault = fault.type;
  const paid = PAID_ROUTES.has(route);
  if (fault?.type === 'reset' || fault?.type === 'status') {
    if (paid) await latency();
    if (fault.type === 'status') return finish(statusFaultReply(fault, style), fault);
    record.status = 0;
    req.socket.destroy();
    return;
  }

  const lineFault = (linePrompt: string | undefined) => {
    const lineAttempt = nextAttempt(attempts, `openai.batch-line\u0000${linePrompt ?? ''}`);
    return script.take('openai.batch-line', linePrompt, lineAttempt);
  };
  const ctx: HandlerContext = { req, url, route, body, key, fault, state, task, lineFault };
  const result = await dispatch(ctx);
  if ('reply' in result) return finish(result.reply, fault);

  let release = () => {};
  if (paid) {
    const slot = limiter.reserve(Date.now());
    if ('retryAfterMs' in slot) {
      return finish(rateLimitReply(style, limiter.limit ?? 0, slot.used, slot.retryAfterMs), fault);
    }
    release = slot.release;
    await latency();
  }
  if (closing.signal.aborted) return;
  const reply = await result.produce();
  if (!reply.billed) release();
  if (fault?.type === 'lostResponse') {
    record.status = 0;
    record.billed = reply.billed === true;
    req.socket.destroy();
    return;
  }
  if (fault?.type === 'echoKey') {
    record.requestId = `${requestId} Bearer ${key ?? ''}`;
    res.setHeader('x-request-id', record.requestId);
  }
  if (fault?.type === 'slowHeaders') await sleep(fault.delayMs, closing.signal);
  return finish(reply, fault);
}

/** The configured latency: fixed, or uniform in `[min, max]`. */
function wait(latencyMs: ResolvedMockApiOptions['latencyMs'], signal: AbortSignal): Promise<void> {
  const l = latencyMs;
  const ms = Array.isArray(l) ? l[0] + Math.random() * Math.max(0, l[1] - l[0]) : l;
  return sleep(ms, signal);
}

/** A request the API refuses before reading it (too large, unparsable), in the route's style. */
function requestErrorReply(
  style: ErrorStyle,
  error: { status: number; message: string; code: string | null },
  hiapiPrefix = '',
): Reply {
  const { status, message, code } = error;
  return style === 'hiapi'
    ? hiapiErrorReply(status, `${hiapiPrefix}${message}`)
    : openaiErrorReply({ status, message, type: 'invalid_request_error', param: null, code });
}
