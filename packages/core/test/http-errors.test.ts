import { describe, expect, it } from 'vitest';
import { TransportError } from '../src/http/client.js';
import { badResponse, type CallContext, statusError, transportError } from '../src/http/errors.js';

const KEY = 'sk-herogen-FAKE-errors-99aa88bb77cc';
const call = (overrides: Partial<CallContext> = {}): CallContext => ({
  provider: 'openai',
  model: 'gpt-image-2',
  operation: 'image generation',
  mode: 'billable',
  secrets: [KEY],
  advice: { auth: 'check the key', quota: 'add credits', notFound: 'pick another model' },
  ...overrides,
});

describe('statusError', () => {
  it('branches on error.code, not just the status', () => {
    const limited = statusError(
      call(),
      429,
      {},
      { code: 'rate_limit_exceeded', message: 'slow down' },
    );
    expect(limited).toMatchObject({ code: 'PROVIDER_RATE_LIMIT', retryable: true, status: 429 });
    const quota = statusError(call(), 429, {}, { code: 'insufficient_quota', message: 'no money' });
    expect(quota).toMatchObject({ code: 'PROVIDER_QUOTA', retryable: false });
    expect(quota.message).toContain('add credits');
    const refused = statusError(call(), 400, {}, { code: 'moderation_blocked', message: 'no' });
    expect(refused).toMatchObject({ code: 'PROVIDER_MODERATION', retryable: false });
    expect(statusError(call(), 400, {}, { message: 'bad size' }).code).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
    expect(statusError(call(), 404, {}, {}).code).toBe('PROVIDER_NOT_FOUND');
    expect(statusError(call(), 403, {}, {}).code).toBe('PROVIDER_AUTH');
  });

  it('treats a redirect as an error that points at the base URL', () => {
    const error = statusError(call(), 302, {}, {});
    expect(error).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', retryable: false });
    expect(error.message).toContain('base URL');
  });

  it('names the request id and keeps the server wait', () => {
    const error = statusError(call(), 503, { 'x-request-id': 'req_9', 'retry-after': '3' }, {});
    expect(error.requestId).toBe('req_9');
    expect(error.message).toContain('request req_9');
    expect(error.retryAfterMs).toBe(3000);
  });

  it('obeys x-should-retry, but never to retry a refusal or a task create', () => {
    expect(statusError(call(), 500, { 'x-should-retry': 'false' }, {}).retryable).toBe(false);
    expect(statusError(call(), 400, { 'x-should-retry': 'true' }, {}).retryable).toBe(true);
    expect(
      statusError(call(), 400, { 'x-should-retry': 'true' }, { code: 'moderation_blocked' })
        .retryable,
    ).toBe(false);
    expect(
      statusError(call({ mode: 'create' }), 500, { 'x-should-retry': 'true' }, {}).retryable,
    ).toBe(false);
  });

  it('reads hiapi refusals and balance problems from the message', () => {
    const hiapi = call({ provider: 'hiapi', messageHeuristics: true });
    expect(statusError(hiapi, 400, {}, { message: 'violates content safety policy' }).code).toBe(
      'PROVIDER_MODERATION',
    );
    expect(statusError(hiapi, 403, {}, { message: 'insufficient balance' }).code).toBe(
      'PROVIDER_QUOTA',
    );
    expect(statusError(hiapi, 402, {}, {}).code).toBe('PROVIDER_QUOTA');
    // Without the heuristic, OpenAI's wording does not decide the class.
    expect(statusError(call(), 400, {}, { message: 'policy' }).code).toBe(
      'PROVIDER_INVALID_REQUEST',
    );
  });

  it('redacts the key from echoed API messages', () => {
    const error = statusError(call(), 401, {}, { message: `Incorrect API key provided: ${KEY}` });
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
  });
});

describe('transportError', () => {
  it('flags timeouts and lost connections on paid POSTs as maybe billed', () => {
    const timeout = transportError(call(), new TransportError('timeout', 'late'), 300_000);
    expect(timeout).toMatchObject({ code: 'TIMEOUT', retryable: false, mayHaveBilled: true });
    expect(timeout.message).toContain('300 s');
    expect(timeout.message).toContain('may have been billed');
    const lost = transportError(call(), new TransportError('lost', 'reset'));
    expect(lost).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
      mayHaveBilled: true,
    });
    const truncated = transportError(call(), new TransportError('lost', 'cut', { status: 200 }));
    expect(truncated.code).toBe('PROVIDER_BAD_RESPONSE');
    const unsent = transportError(
      call({ mode: 'create' }),
      new TransportError('unsent', 'refused'),
    );
    expect(unsent).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
      mayHaveBilled: false,
    });
    const poll = transportError(
      call({ mode: 'idempotent' }),
      new TransportError('timeout', 'late'),
    );
    expect(poll).toMatchObject({ retryable: true, mayHaveBilled: false });
  });

  it('never retries an oversized body, and keeps a clean cause', () => {
    const big = transportError(call(), new TransportError('too-large', `over the cap ${KEY}`));
    expect(big).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', retryable: false });
    expect(big.message).not.toContain(KEY);
    expect((big.cause as Error).message).not.toContain(KEY);
    expect(big.cause).not.toBeInstanceOf(TransportError);
  });
});

describe('badResponse', () => {
  it('names provider, model and request id', () => {
    const error = badResponse(call(), 'no data', 'req_x');
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(error.message).toMatch(/^openai gpt-image-2: .*request req_x.*no data/);
  });
});
