/**
 * Turns HTTP statuses, API error bodies and transport failures into `HerogenError`s whose
 * message names the provider, model, request or task id, the API's own words, and the next
 * step. Every string that leaves here passes through `cleanExternalText`.
 */
import { type BilledAnswer, HerogenError, type HerogenErrorCode } from '../errors.js';
import type { TransportError } from './client.js';
import { cleanExternalText, sanitizeCause } from './redact.js';
import {
  isRetryableStatus,
  isRetryableTransport,
  mayHaveBilled,
  parseRetryAfter,
  type RetryMode,
} from './retry.js';

/** Provider-specific next steps, shown in the error message. */
export interface ErrorAdvice {
  auth: string;
  /** For 403 when it differs from 401 (e.g. organization verification). */
  forbidden?: string;
  quota: string;
  notFound: string;
  invalid?: string;
  moderation?: string;
  rateLimit?: string;
}

export interface CallContext {
  /** Provider id, e.g. `openai`. */
  provider: string;
  model: string;
  /** What was being done, e.g. `image generation`, `task poll`. */
  operation: string;
  mode: RetryMode;
  /** Values that must never appear in a message (the API key). */
  secrets: readonly (string | undefined)[];
  advice: ErrorAdvice;
  taskId?: string;
  /** Guess quota and policy failures from the message text (hiapi documents this). */
  messageHeuristics?: boolean;
}

/** The parts of an API error body herogen reads (OpenAI `error{}` or the hiapi envelope). */
export interface ApiErrorDetails {
  message?: string;
  code?: string | null;
  type?: string;
  param?: string | null;
}

const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'billing_hard_limit_reached',
  'INSUFFICIENT_BALANCE',
  'INSUFFICIENT_CREDITS',
  'QUOTA_EXCEEDED',
]);
const MODERATION_CODES = new Set([
  'moderation_blocked',
  'content_policy_violation',
  'CONTENT_POLICY',
  'CONTENT_POLICY_VIOLATION',
  'MODERATION_BLOCKED',
]);

function ids(
  status: number | undefined,
  code: string | null | undefined,
  call: CallContext,
  requestId?: string,
): string {
  const parts: string[] = [];
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (code) parts.push(code);
  if (requestId) parts.push(`request ${requestId}`);
  if (call.taskId) parts.push(`task ${call.taskId}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function quote(message: string | undefined, call: CallContext): string {
  if (!message) return '';
  const clean = cleanExternalText(message, call.secrets).replace(/\s+/g, ' ').trim();
  const cut = clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
  // The sentence after the quote brings its own full stop.
  const short = cut.replace(/[.\s]+$/, '');
  return short ? `: "${short}"` : '';
}

function classifyStatus(
  status: number,
  details: ApiErrorDetails,
  call: CallContext,
): { code: HerogenErrorCode; what: string; todo: string } {
  const apiCode = details.code ?? undefined;
  const text = `${details.message ?? ''} ${details.type ?? ''}`.toLowerCase();
  const heuristic = call.messageHeuristics === true;
  if (status >= 300 && status < 400) {
    return {
      code: 'PROVIDER_BAD_RESPONSE',
      what: 'answered with a redirect, which herogen does not follow for API calls',
      todo: 'Check the base URL (it must point at the API itself, including /v1 for OpenAI).',
    };
  }
  if (
    (apiCode && MODERATION_CODES.has(apiCode)) ||
    (heuristic && /polic|safety|moderat/.test(text))
  ) {
    return {
      code: 'PROVIDER_MODERATION',
      what: 'refused the prompt on safety grounds',
      todo:
        call.advice.moderation ??
        'Rephrase the prompt (this refusal is deterministic, so it is not retried).',
    };
  }
  if (
    status === 402 ||
    (apiCode && QUOTA_CODES.has(apiCode)) ||
    (heuristic && /balance|credit|quota/.test(text))
  ) {
    return { code: 'PROVIDER_QUOTA', what: 'reports no credit left', todo: call.advice.quota };
  }
  if (status === 401 || status === 403) {
    const todo = status === 403 ? (call.advice.forbidden ?? call.advice.auth) : call.advice.auth;
    return { code: 'PROVIDER_AUTH', what: 'rejected the credentials', todo };
  }
  if (status === 404) {
    return {
      code: 'PROVIDER_NOT_FOUND',
      what: 'does not know this model or resource',
      todo: call.advice.notFound,
    };
  }
  if (status === 408) {
    return {
      code: 'TIMEOUT',
      what: 'timed out the request',
      todo: 'It is retried automatically; if it keeps happening, try again later.',
    };
  }
  if (status === 429) {
    return {
      code: 'PROVIDER_RATE_LIMIT',
      what: 'is rate limiting requests',
      todo: call.advice.rateLimit ?? 'Lower `concurrency` or wait a minute and run again.',
    };
  }
  if (status === 409 || status >= 500) {
    return {
      code: 'PROVIDER_UNAVAILABLE',
      what: 'is unavailable or overloaded',
      todo: 'Try again later; cached images are not affected.',
    };
  }
  return {
    code: 'PROVIDER_INVALID_REQUEST',
    what: 'rejected the request as invalid',
    todo:
      call.advice.invalid ??
      'Fix the parameter named in the message (model, size, quality, format or background).',
  };
}

/** An HTTP error answer (or a 3xx) as a `HerogenError`. */
export function statusError(
  call: CallContext,
  status: number,
  headers: Record<string, string>,
  details: ApiErrorDetails,
): HerogenError {
  const requestId = headers['x-request-id'];
  const { code, what, todo } = classifyStatus(status, details, call);
  const final = code === 'PROVIDER_QUOTA' || code === 'PROVIDER_MODERATION';
  // OpenAI's `x-should-retry` overrides the status, except where retrying would cost money
  // for nothing (a refusal, an empty balance) or create a second task.
  const hint = headers['x-should-retry'];
  const retryable =
    !final &&
    (hint === 'true' && call.mode !== 'create'
      ? true
      : hint === 'false'
        ? false
        : isRetryableStatus(status, details.code, call.mode));
  const message =
    `${call.provider} ${call.model}: ${call.operation} failed, the API ${what}` +
    `${ids(status, details.code, call, requestId)}${quote(details.message, call)}. ${todo}`;
  return new HerogenError(code, cleanExternalText(message, call.secrets), {
    retryable,
    status,
    requestId: requestId ?? call.taskId,
    retryAfterMs: parseRetryAfter(headers),
  });
}

/** A connection failure, timeout, abort or oversized body as a `HerogenError`. */
export function transportError(
  call: CallContext,
  error: TransportError,
  timeoutMs?: number,
): HerogenError {
  const billed = mayHaveBilled(error.kind, call.mode);
  const billedNote = billed ? ' The request may have been billed.' : '';
  const requestId = error.headers?.['x-request-id'];
  const head = `${call.provider} ${call.model}: ${call.operation}`;
  const tail = ids(error.status, undefined, call, requestId);
  const cause = sanitizeCause(error, call.secrets);
  const common = {
    cause,
    status: error.status,
    requestId: requestId ?? call.taskId,
    mayHaveBilled: billed,
  };
  let code: HerogenErrorCode;
  let message: string;
  switch (error.kind) {
    case 'aborted':
      code = 'ABORTED';
      message = `${head} was aborted${tail}.${billedNote}`;
      break;
    case 'timeout': {
      code = 'TIMEOUT';
      const limit = timeoutMs ? ` within ${formatDuration(timeoutMs)}` : '';
      message =
        `${head} got no complete response${limit}${tail}.${billedNote}` +
        (call.mode === 'idempotent'
          ? ' Try again later.'
          : ' It is not retried automatically, so you do not pay twice; raise `timeoutMs` if the API is slow, then run again.');
      break;
    }
    case 'too-large':
      code = 'PROVIDER_BAD_RESPONSE';
      message = `${head} returned a response that is too large${tail}: ${error.message}.`;
      break;
    case 'refused':
      code = 'PROVIDER_BAD_RESPONSE';
      message = `${head} was refused before connecting${tail}: ${error.message}.`;
      break;
    case 'unsent':
      code = 'PROVIDER_UNAVAILABLE';
      message = `${head} could not reach the API${tail}: ${error.message}. Check the network and the base URL.`;
      break;
    default:
      if (error.status !== undefined) {
        code = 'PROVIDER_BAD_RESPONSE';
        message = `${head} returned a truncated response${tail}: ${error.message}.${billedNote}`;
      } else {
        code = 'PROVIDER_UNAVAILABLE';
        message = `${head} lost the connection before a response${tail}: ${error.message}.${billedNote}`;
      }
  }
  return new HerogenError(code, cleanExternalText(message, call.secrets), {
    ...common,
    retryable: error.kind !== 'too-large' && isRetryableTransport(error.kind, call.mode),
  });
}

/** A 2xx answer whose content is unusable (bad JSON, bad base64, not an image, missing field). */
export function badResponse(
  call: CallContext,
  problem: string,
  requestId?: string,
  answer: { status?: number; billed?: BilledAnswer } = {},
): HerogenError {
  const { status, billed } = answer;
  const message = `${call.provider} ${call.model}: ${call.operation} returned an unusable response${ids(status, undefined, call, requestId)}: ${problem}. Try again; if it persists, report it with the request id.`;
  return new HerogenError('PROVIDER_BAD_RESPONSE', cleanExternalText(message, call.secrets), {
    requestId: requestId ?? call.taskId,
    status,
    ...(billed ? { billed } : {}),
  });
}

/** `300 ms`, `5 s`, `2.5 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
