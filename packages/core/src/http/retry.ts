/**
 * The retry policy of every paid provider, in one place: which failures are worth another try,
 * how long to wait, and the loop that does it. Providers map responses to `HerogenError`s
 * (setting `retryable` from the functions below); `withRetry` only looks at those errors.
 */
import { errorOptions, HerogenError } from '../errors.js';
import type { TransportErrorKind } from './client.js';
import type { RateGate, RateOutcome } from './rate-gate.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay; doubles each attempt. @default 1000 */
  baseDelayMs: number;
  /** Backoff ceiling. @default 30_000 */
  maxDelayMs: number;
  /** A server-requested wait longer than this is cut down to it. @default 60_000 */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** A provider's retry settings over the defaults, with the run's `maxRetries`. */
export function resolveRetryPolicy(
  overrides: Partial<RetryPolicy> | undefined,
  maxRetries: number,
): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...overrides, maxRetries };
}

/** What the pipeline hears before each retry (it logs it and emits a `retry` event). */
export interface RetryInfo {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  delayMs: number;
  reason: string;
  code: string;
  status?: number;
  requestId?: string;
}

/**
 * How a request may be repeated:
 * - `idempotent`: reads (task polls, downloads); every transient failure is retried.
 * - `billable`: a synchronous paid POST (OpenAI). Transient failures are retried, but not a
 *   timeout: the server is probably still generating, and a second call would pay twice.
 * - `create`: a POST that starts billable async work (hiapi task). Only failures where the
 *   server certainly did not start the work: not connected, 429, 503.
 */
export type RetryMode = 'idempotent' | 'billable' | 'create';

/** `error.code` values that mean "stop": no amount of waiting fixes them. */
const FINAL_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'billing_hard_limit_reached',
  'moderation_blocked',
  'content_policy_violation',
  'model_not_found',
  'invalid_api_key',
]);

/** Whether an HTTP error status (with the API's own `error.code`) is worth retrying. */
export function isRetryableStatus(
  status: number,
  code: string | null | undefined,
  mode: RetryMode,
): boolean {
  if (code && FINAL_CODES.has(code)) return false;
  if (mode === 'create') return status === 429 || status === 503;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Whether a failure below HTTP is worth retrying. */
export function isRetryableTransport(kind: TransportErrorKind, mode: RetryMode): boolean {
  switch (kind) {
    case 'unsent':
      return true;
    case 'lost':
      return mode !== 'create';
    case 'timeout':
      return mode === 'idempotent';
    default:
      return false;
  }
}

/** Whether a failure of this kind on a paid POST means the provider may have charged for it. */
export function mayHaveBilled(kind: TransportErrorKind, mode: RetryMode): boolean {
  return mode !== 'idempotent' && (kind === 'timeout' || kind === 'lost' || kind === 'aborted');
}

/**
 * The wait a server asked for: `retry-after-ms` (OpenAI), then `retry-after` in seconds or as
 * an HTTP date. Undefined when absent, unparsable or negative.
 */
export function parseRetryAfter(
  headers: Record<string, string> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = headers['retry-after'];
  if (after === undefined || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Delay before retry number `attempt` (1 = first retry): the server's wait when given (capped),
 * else exponential backoff with up to 25% jitter taken off, so workers do not retry in step.
 */
export function computeRetryDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (1 - 0.25 * random()));
}

export function abortedError(what: string, cause?: unknown): HerogenError {
  return new HerogenError('ABORTED', `${what} was aborted.`, { cause });
}

/** Resolves after `ms`, or rejects with ABORTED as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError('The wait before the next attempt'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError('The wait before the next attempt'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WithRetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Called on a 429 with the delay, so the whole scheduler waits instead of every worker. */
  pauseAll?: (ms: number) => void;
  /** Paid calls only: shared by the run so that after a 429 calls go one at a time. */
  gate?: RateGate | undefined;
  random?: () => number;
}

/**
 * Run `attempt` until it succeeds, throws a non-retryable error, or the retries run out. Only
 * `HerogenError`s with `retryable: true` are retried; anything else propagates at once.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: WithRetryOptions,
): Promise<T> {
  const { policy, signal } = options;
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw abortedError('The request');
    const release = await acquireGate(options.gate, signal);
    try {
      const result = await attempt(n);
      release('ok');
      return result;
    } catch (error) {
      const limited = HerogenError.is(error) && error.status === 429 && error.retryable;
      if (limited) options.gate?.backoff(computeRetryDelay(n, policy, error.retryAfterMs, () => 0));
      release(limited ? 'rate-limited' : 'other');
      if (signal?.aborted) {
        throw HerogenError.is(error) && error.code === 'ABORTED'
          ? error
          : abortedError('The request', error);
      }
      if (!HerogenError.is(error) || !error.retryable) throw error;
      if (n > policy.maxRetries) throw exhausted(error, n);
      const delayMs = computeRetryDelay(n, policy, error.retryAfterMs, options.random);
      if (error.status === 429) options.pauseAll?.(delayMs);
      options.onRetry?.({
        attempt: n,
        delayMs,
        reason: error.message,
        code: error.code,
        status: error.status,
        requestId: error.requestId,
      });
      await sleep(delayMs, signal);
    }
  }
}

async function acquireGate(
  gate: RateGate | undefined,
  signal: AbortSignal | undefined,
): Promise<(outcome: RateOutcome) => void> {
  if (!gate) return () => {};
  try {
    return await gate.acquire(signal);
  } catch (error) {
    throw abortedError('The wait for the rate limit', error);
  }
}

/** The last error, restated with the number of attempts so the user knows retries happened. */
function exhausted(error: HerogenError, attempts: number): HerogenError {
  if (attempts <= 1) return error;
  return new HerogenError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
    ...errorOptions(error),
    retryable: false,
  });
}
