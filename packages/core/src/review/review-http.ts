/**
 * The review API over HTTP, for a dev server's middleware stack (node `req`/`res`, no
 * framework). JSON endpoints under one base path:
 *
 *   GET  <base>/heroes?key=…&file=…   the listing (all heroes without a filter)
 *   POST <base>/estimate              { action, … } → what it would cost
 *   POST <base>/run                   { action, … } → run it
 *
 * A request is answered only when every check passes: the handler is in dev; the server does
 * not listen on a non-loopback address (unless allowed); `Host` is a loopback name (so a DNS
 * rebinding page cannot reach it); `Origin` (required on POST) is this server's own; the token
 * handed to the page is sent back in the `x-herogen-token` header; a POST body is JSON.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatError, HerogenError } from '../errors.js';
import type { ReviewAction, ReviewApi } from './review-api.js';

/** Default base path of the endpoints. */
export const REVIEW_API_BASE = '/__herogen/review';
/** The header that carries the token. */
export const REVIEW_TOKEN_HEADER = 'x-herogen-token';

const MAX_BODY_BYTES = 64 * 1024;

export interface ReviewHandlerOptions {
  /** The API, or a function giving it (created on the first accepted request). */
  api: ReviewApi | (() => ReviewApi | Promise<ReviewApi>);
  /** The token handed to the page (`createReviewToken()`). */
  token: string;
  /** Base path (default `/__herogen/review`). */
  base?: string;
  /** False outside a dev server: every request is refused. */
  dev: boolean;
  /** The address the server listens on (`server.address()`), checked at each request. */
  address: () => string | undefined;
  /** Answer although the server listens on a non-loopback address (a trusted LAN). */
  allowNonLoopback?: boolean;
}

type Next = (error?: unknown) => void;

/** A fresh random token for one dev server. */
export function createReviewToken(): string {
  return randomBytes(24).toString('base64url');
}

/** True for 127.0.0.0/8, ::1 and `localhost` (with or without brackets and a port). */
export function isLoopbackHost(host: string): boolean {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(host);
  // A bare IPv6 address (`::1`, as `server.address()` gives it) has no port to strip.
  const bare = (host.match(/:/g)?.length ?? 0) > 1;
  const name = (bracketed?.[1] ?? (bare ? host : host.replace(/:\d+$/, ''))).toLowerCase();
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    name === '::ffff:127.0.0.1' ||
    /^127(\.\d{1,3}){3}$/.test(name)
  );
}

/**
 * Why a request may not see the review at all (a page or the API), or undefined: outside dev,
 * on a server listening beyond this machine (unless allowed), or addressed to another host
 * (DNS rebinding). The API adds its Origin and token checks.
 */
export function reviewPageRefusal(
  req: IncomingMessage,
  options: Pick<ReviewHandlerOptions, 'dev' | 'address' | 'allowNonLoopback'>,
): string | undefined {
  if (!options.dev) return 'the review is only served by a dev server';
  const address = options.address();
  if (address !== undefined && !isLoopbackHost(address) && !options.allowNonLoopback) {
    return `the dev server listens on ${address}, not only on this machine, so the review is off (allow it with the review.allowNonLoopback option on a network you trust)`;
  }
  const host = req.headers.host ?? '';
  if (!host || (!isLoopbackHost(host) && !options.allowNonLoopback)) {
    return 'the review answers only requests addressed to localhost';
  }
  return undefined;
}

/**
 * A connect-style middleware: requests outside `base` go to `next`; the rest are answered here
 * (refusals as 403 with a JSON `{ error }`).
 */
export function createReviewHandler(options: ReviewHandlerOptions) {
  const base = (options.base ?? REVIEW_API_BASE).replace(/\/+$/, '');
  const expected = Buffer.from(options.token);
  let api: Promise<ReviewApi> | undefined;
  const getApi = () => {
    api ??= Promise.resolve(typeof options.api === 'function' ? options.api() : options.api);
    return api;
  };

  const refusal = (req: IncomingMessage): string | undefined => {
    const where = reviewPageRefusal(req, options);
    if (where) return where;
    const host = req.headers.host ?? '';
    const origin = req.headers.origin;
    if (origin !== undefined || req.method !== 'GET') {
      if (origin !== `http://${host}` && origin !== `https://${host}`) {
        return 'the review API answers only pages of this dev server (Origin does not match)';
      }
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') {
      return 'the review API answers only pages of this dev server (not same-origin)';
    }
    const token = Buffer.from(String(req.headers[REVIEW_TOKEN_HEADER] ?? ''));
    if (token.length !== expected.length || !timingSafeEqual(token, expected)) {
      return 'missing or wrong review token; reload the page';
    }
    return undefined;
  };

  return async (req: IncomingMessage, res: ServerResponse, next?: Next): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) {
      if (next) next();
      else send(res, 404, { error: { code: 'NOT_FOUND', message: 'not a review endpoint' } });
      return;
    }
    const refused = refusal(req);
    if (refused) {
      send(res, 403, { error: { code: 'FORBIDDEN', message: refused } });
      return;
    }
    const route = `${req.method} ${url.pathname.slice(base.length)}`;
    try {
      switch (route) {
        case 'GET /heroes': {
          // `?key=` with no value: the page has no hero (an empty list, not every hero).
          const has = (name: string) => url.searchParams.has(name);
          const values = (name: string) => url.searchParams.getAll(name).filter(Boolean);
          const filter = {
            ...(has('key') ? { keys: values('key') } : {}),
            ...(has('file') ? { files: values('file') } : {}),
          };
          send(res, 200, await (await getApi()).list(filter));
          return;
        }
        case 'POST /estimate':
          send(res, 200, await (await getApi()).estimate(await readAction(req)));
          return;
        case 'POST /run':
          send(res, 200, await (await getApi()).run(await readAction(req)));
          return;
        default:
          send(res, 404, { error: { code: 'NOT_FOUND', message: `no endpoint ${route}` } });
      }
    } catch (error) {
      send(res, statusOf(error), {
        error: {
          code: HerogenError.is(error) ? error.code : 'INTERNAL',
          message: HerogenError.is(error) ? error.message : formatError(error),
          ...(HerogenError.is(error) && error.hint ? { hint: error.hint } : {}),
        },
      });
    }
  };
}

function statusOf(error: unknown): number {
  if (!HerogenError.is(error)) return 500;
  if (error.code === 'BUSY') return 409;
  if (error.code === 'REQUEST_INVALID' || error.code === 'CONTENT_INVALID') return 400;
  return 422;
}

async function readAction(req: IncomingMessage): Promise<ReviewAction> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    throw new HerogenError('REQUEST_INVALID', 'send the action as application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HerogenError('REQUEST_INVALID', 'the request is too large');
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HerogenError('REQUEST_INVALID', 'the request body is not JSON');
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof (body as { action?: unknown }).action !== 'string'
  ) {
    throw new HerogenError('REQUEST_INVALID', 'the request names no action');
  }
  return body as ReviewAction;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
