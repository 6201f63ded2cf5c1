import { describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import {
  computeRetryDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  isRetryableTransport,
  mayHaveBilled,
  parseRetryAfter,
  type RetryInfo,
  withRetry,
} from '../src/http/retry.js';

const fast = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 4 };

describe('parseRetryAfter', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' })).toBe(250);
    expect(parseRetryAfter({ 'retry-after': '2' })).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': '0.5' })).toBe(500);
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Sun, 22 Nov 2026 10:00:07 GMT' }, now)).toBe(7000);
  });

  it('ignores missing, negative and garbage values', () => {
    expect(parseRetryAfter({})).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-3' })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after-ms': 'x', 'retry-after': '1' })).toBe(1000);
  });
});

describe('computeRetryDelay', () => {
  it('doubles from the base, caps, and jitters down by at most a quarter', () => {
    const policy = { ...DEFAULT_RETRY_POLICY };
    expect(computeRetryDelay(1, policy, undefined, () => 0)).toBe(1000);
    expect(computeRetryDelay(2, policy, undefined, () => 0)).toBe(2000);
    expect(computeRetryDelay(3, policy, undefined, () => 0)).toBe(4000);
    expect(computeRetryDelay(10, policy, undefined, () => 0)).toBe(30_000);
    expect(computeRetryDelay(1, policy, undefined, () => 0.999)).toBeGreaterThanOrEqual(750);
    expect(computeRetryDelay(1, policy, undefined, () => 0.999)).toBeLessThan(1000);
  });

  it('uses the server wait when given, capped at a minute', () => {
    expect(computeRetryDelay(1, DEFAULT_RETRY_POLICY, 1234)).toBe(1234);
    expect(computeRetryDelay(1, DEFAULT_RETRY_POLICY, 3_600_000)).toBe(60_000);
  });
});

describe('retry classification', () => {
  it('retries rate limits and server errors but never final codes', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) {
      expect(isRetryableStatus(status, null, 'billable')).toBe(true);
    }
    for (const status of [400, 401, 403, 404, 422]) {
      expect(isRetryableStatus(status, null, 'billable')).toBe(false);
    }
    expect(isRetryableStatus(429, 'insufficient_quota', 'billable')).toBe(false);
    expect(isRetryableStatus(400, 'moderation_blocked', 'billable')).toBe(false);
  });

  it('retries a task create only where no task can have started', () => {
    expect(isRetryableStatus(429, null, 'create')).toBe(true);
    expect(isRetryableStatus(503, null, 'create')).toBe(true);
    expect(isRetryableStatus(500, null, 'create')).toBe(false);
    expect(isRetryableTransport('unsent', 'create')).toBe(true);
    expect(isRetryableTransport('lost', 'create')).toBe(false);
    expect(isRetryableTransport('timeout', 'create')).toBe(false);
  });

  it('never retries a timed-out paid POST, and says it may have billed', () => {
    expect(isRetryableTransport('timeout', 'billable')).toBe(false);
    expect(isRetryableTransport('lost', 'billable')).toBe(true);
    expect(isRetryableTransport('timeout', 'idempotent')).toBe(true);
    expect(mayHaveBilled('timeout', 'billable')).toBe(true);
    expect(mayHaveBilled('lost', 'create')).toBe(true);
    expect(mayHaveBilled('unsent', 'billable')).toBe(false);
    expect(mayHaveBilled('timeout', 'idempotent')).toBe(false);
  });
});

describe('withRetry', () => {
  const retryable = (status: number, retryAfterMs?: number) =>
    new HerogenError('PROVIDER_RATE_LIMIT', `status ${status}`, {
      retryable: true,
      status,
      retryAfterMs,
    });

  it('retries retryable errors, reports each retry and pauses everyone on 429', async () => {
    const retries: RetryInfo[] = [];
    const pauses: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw retryable(429, 3);
        if (calls === 2) throw retryable(503);
        return 'ok';
      },
      { policy: fast, onRetry: (info) => retries.push(info), pauseAll: (ms) => pauses.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries.map((r) => [r.attempt, r.status])).toEqual([
      [1, 429],
      [2, 503],
    ]);
    expect(retries[0]?.delayMs).toBe(3);
    expect(pauses).toEqual([3]);
  });

  it('stops at maxRetries and says how many attempts were made', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw retryable(500);
      },
      { policy: { ...fast, maxRetries: 2 } },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(HerogenError.is(error) && error.message).toContain('gave up after 3 attempts');
  });

  it('does not retry final errors or foreign errors', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new HerogenError('PROVIDER_QUOTA', 'no credit', { status: 429 });
        },
        { policy: fast },
      ),
    ).rejects.toMatchObject({ code: 'PROVIDER_QUOTA' });
    expect(calls).toBe(1);
    await expect(
      withRetry(
        async () => {
          throw new TypeError('bug');
        },
        { policy: fast },
      ),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('turns an abort during the wait into ABORTED with no further attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const promise = withRetry(
      async () => {
        calls++;
        throw retryable(503, 60_000);
      },
      { policy: fast, signal: controller.signal, onRetry: () => controller.abort() },
    );
    await expect(promise).rejects.toMatchObject({ code: 'ABORTED' });
    expect(calls).toBe(1);
  });
});
