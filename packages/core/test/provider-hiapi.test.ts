import { createMockApi, type FaultRule, faults, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatError, HerogenError } from '../src/errors.js';
import type { RetryInfo } from '../src/http/retry.js';
import { createHiapiProvider, type HiapiProviderOptions } from '../src/providers/hiapi.js';
import type { HeroIntent, ProviderContext } from '../src/types.js';

const KEY = 'hk-herogen-FAKE-hiapi-55aa77bb99cc';

function intent(overrides: Partial<HeroIntent> = {}): HeroIntent {
  return {
    prompt: 'A lighthouse at dusk, long exposure',
    aspect: '16:9',
    resolution: '1K',
    quality: 'medium',
    background: 'auto',
    format: 'png',
    references: [],
    variant: 0,
    ...overrides,
  };
}

interface TestContext extends ProviderContext {
  logs: string[];
  warnings: string[];
  retries: RetryInfo[];
  pauses: number[];
  recorded: string[];
  controller: AbortController;
}

function context(
  overrides: Partial<ProviderContext> = {},
  onRecord?: (id: string) => void,
): TestContext {
  const logs: string[] = [];
  const warnings: string[] = [];
  const retries: RetryInfo[] = [];
  const pauses: number[] = [];
  const recorded: string[] = [];
  const controller = new AbortController();
  const log = (message: string) => logs.push(message);
  return {
    signal: controller.signal,
    logger: {
      debug: log,
      info: log,
      warn: (message) => {
        warnings.push(message);
        log(message);
      },
      error: log,
    },
    readReference: async () => {
      throw new Error('hiapi never reads local references');
    },
    task: {
      resumeTaskId: undefined,
      record: async (id) => {
        recorded.push(id);
        onRecord?.(id);
      },
    },
    timeoutMs: 5000,
    maxRetries: 3,
    pauseAll: (ms) => pauses.push(ms),
    onRetry: (info) => retries.push(info as RetryInfo),
    logs,
    warnings,
    retries,
    pauses,
    recorded,
    controller,
    ...overrides,
  };
}

let mock: MockApi;
const provider = (options: HiapiProviderOptions = {}) =>
  createHiapiProvider({
    apiKey: KEY,
    baseURL: mock.hiapiBaseURL,
    pollIntervalMs: 20,
    maxPollMs: 5000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
const count = (route: string) => mock.requests.filter((r) => r.route === route).length;

async function failWith(
  rules: FaultRule[],
  overrides: Partial<ProviderContext> = {},
  options: HiapiProviderOptions = {},
) {
  mock.setFaults(rules);
  const p = provider(options);
  const ctx = context(overrides);
  const error = await p.generate(p.prepare(intent(), p.defaultModel), ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(HerogenError.is(error)).toBe(true);
  const herr = error as HerogenError;
  expect(formatError(herr)).not.toContain(KEY);
  expect(JSON.stringify({ ...herr, message: herr.message })).not.toContain(KEY);
  expect(ctx.logs.join('\n')).not.toContain(KEY);
  return { error: herr, ctx };
}

beforeAll(async () => {
  mock = await createMockApi({ apiKey: KEY, latencyMs: 0, taskDurationMs: 120 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.setFaults([]);
});

describe('hiapi provider: happy path and resume', () => {
  it('creates a task, records its id before polling, polls, downloads without the key', async () => {
    const p = provider();
    const request = p.prepare(intent(), 'gpt-image-2');
    expect(request).toMatchObject({ aspect: '16:9', resolution: '1K', model: 'gpt-image-2' });
    expect(request.size).toBeUndefined();
    expect(request.quality).toBeUndefined();
    let pollsAtRecord = -1;
    const ctx = context({}, () => {
      pollsAtRecord = count('hiapi.get');
    });
    const image = await p.generate(request, ctx);

    expect(count('hiapi.create')).toBe(1);
    expect(mock.paidCalls()).toBe(1);
    expect(pollsAtRecord).toBe(0);
    expect(ctx.recorded).toEqual([image.taskId]);
    expect(count('hiapi.get')).toBeGreaterThanOrEqual(1);
    const create = mock.requests.find((r) => r.route === 'hiapi.create')!;
    expect(create.body).toEqual({
      model: 'gpt-image-2',
      input: { prompt: request.prompt, aspect_ratio: '16:9', resolution: '1K' },
    });
    const download = mock.requests.find((r) => r.route === 'hiapi.download')!;
    expect(download.headers.authorization).toBeUndefined();

    const meta = await sharp(image.bytes).metadata();
    expect(meta.format).toBe('png');
    expect(image.mediaType).toBe('image/png');
    expect(image.taskId).toMatch(/^tk-/);
    expect(image.costUsd).toBe(0.03);
    expect(image.costConfidence).toBe('estimate');
  });

  it('resumes a recorded task instead of creating (and paying for) another', async () => {
    const p = provider();
    const request = p.prepare(intent({ prompt: 'resume me' }), 'gpt-image-2');
    // First run: stopped right after the task id is saved, as if the build crashed.
    let first: TestContext | undefined;
    first = context({}, () => first?.controller.abort());
    const stopped = (await p.generate(request, first).catch((e) => e)) as HerogenError;
    expect(stopped.code).toBe('ABORTED');
    expect(stopped.message).toContain('resumes');
    const taskId = first.recorded[0]!;
    expect(stopped.message).toContain(taskId);
    expect(count('hiapi.create')).toBe(1);

    // `mock.reset()` would forget the task, as a real API never would: count from here instead.
    const before = count('hiapi.create');
    const second = context({ task: { resumeTaskId: taskId, record: async () => {} } });
    const image = await p.generate(request, second);
    expect(count('hiapi.create') - before).toBe(0);
    expect(image.taskId).toBe(taskId);
    expect((await sharp(image.bytes).metadata()).format).toBe('png');
  });

  it('creates a new task, with a warning, when the recorded one is unknown', async () => {
    const p = provider();
    const ctx = context({
      task: { resumeTaskId: 'tk-hiapi-00000000000000000000000000', record: async () => {} },
    });
    const image = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(count('hiapi.create')).toBe(1);
    expect(ctx.warnings.join('\n')).toContain('not found');
    expect(image.warnings?.join('\n')).toContain('paid again');
  });

  it('creates a new task, with a warning, when the resumed image has expired', async () => {
    const p = provider();
    const request = p.prepare(intent({ prompt: 'expired on resume' }), 'gpt-image-2');
    let first: TestContext | undefined;
    first = context({}, () => first?.controller.abort());
    await p.generate(request, first).catch(() => {});
    const taskId = first.recorded[0]!;
    const before = count('hiapi.create');
    // Past its expireAt: the only case where a finished task is given up. The task (120 ms)
    // has finished by then, so the one faulted poll is the one that reports success.
    await new Promise((resolve) => setTimeout(resolve, 300));
    mock.setFaults([{ route: 'hiapi.get', times: 1, fault: faults.expiredUrl() }]);
    const ctx = context({ task: { resumeTaskId: taskId, record: async () => {} } });
    const image = await p.generate(request, ctx);
    expect(count('hiapi.create') - before).toBe(1);
    expect(image.taskId).not.toBe(taskId);
    expect(ctx.warnings.join('\n')).toContain('can no longer be downloaded');
  });

  it('sends public reference URLs to the image-to-image model', async () => {
    const p = provider();
    const request = p.prepare(
      intent({ references: [{ path: 'https://cdn.example.com/ref.png', sha256: 'abc' }] }),
      'gpt-image-2',
    );
    expect(request.model).toBe('gpt-image-2-image-to-image');
    expect(p.validate(request)).toEqual([]);
    await p.generate(request, context());
    const create = mock.requests.find((r) => r.route === 'hiapi.create')!;
    expect(create.body).toMatchObject({
      model: 'gpt-image-2-image-to-image',
      input: { input_urls: ['https://cdn.example.com/ref.png'] },
    });
  });
});

describe('hiapi provider: failures', () => {
  it('does not retry a failed task', async () => {
    const { error, ctx } = await failWith([
      { route: 'hiapi.create', fault: faults.taskFail('GENERATION_FAILED', 'upstream broke') },
    ]);
    expect(error.code).toBe('PROVIDER_TASK_FAILED');
    expect(count('hiapi.create')).toBe(1);
    expect(error.message).toContain('upstream broke');
    expect(error.message).toContain(ctx.recorded[0]!);
    expect(ctx.retries).toEqual([]);
  });

  it('gives up on a stuck task with TIMEOUT naming the task and how to resume', async () => {
    const { error, ctx } = await failWith(
      [{ route: 'hiapi.create', fault: faults.taskStuck() }],
      {},
      { maxPollMs: 300 },
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.requestId).toBe(ctx.recorded[0]);
    expect(error.message).toContain(ctx.recorded[0]!);
    expect(error.message).toContain('resumes');
    expect(count('hiapi.create')).toBe(1);
  });

  it('gives up a fresh task whose URL is past expireAt, without fetching it', async () => {
    const { error } = await failWith([{ route: 'hiapi.get', fault: faults.expiredUrl() }]);
    expect(error.code).toBe('PROVIDER_TASK_FAILED');
    expect(error.message).toContain('expired at');
    expect(count('hiapi.create')).toBe(1);
    expect(count('hiapi.download')).toBe(0);
  });

  it('retries a 404/410 before expireAt, then keeps the task for the next run', async () => {
    mock.setFaults([{ route: 'hiapi.download', times: 2, fault: faults.fileNotFound() }]);
    const p = provider();
    const ctx = context();
    const image = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(image.bytes.length).toBeGreaterThan(0);
    expect(count('hiapi.download')).toBe(3);
    mock.reset();
    const { error } = await failWith([
      { route: 'hiapi.download', fault: faults.expiredDownload() },
    ]);
    // Not PROVIDER_TASK_FAILED: the run keeps the task id, and the next one downloads again.
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.mayHaveBilled).toBe(true);
    expect(error.message).toContain('HTTP 410, though its URL is valid until');
    expect(error.message).toContain('its id is kept');
    expect(count('hiapi.create')).toBe(1);
    expect(count('hiapi.download')).toBe(4);
  });

  it('ends a poll at once when the run stops, naming the task to resume', async () => {
    mock.setFaults([{ route: 'hiapi.create', fault: faults.taskStuck() }]);
    const stop = new AbortController();
    const p = provider();
    const ctx = context({ stopSignal: stop.signal }, () => setTimeout(() => stop.abort(), 30));
    const error = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx).catch((e) => e);
    expect(HerogenError.is(error) && error.code).toBe('ABORTED');
    expect(error.message).toContain(
      `task ${ctx.recorded[0]} still running at hiapi; the next run resumes it without paying again`,
    );
    expect(error.mayHaveBilled).toBe(true);
    expect(count('hiapi.create')).toBe(1);
  });

  it('a stop does not drop a create in flight: its id is saved first', async () => {
    const stop = new AbortController();
    stop.abort();
    const p = provider();
    const ctx = context({ stopSignal: stop.signal });
    const error = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx).catch((e) => e);
    expect(error.code).toBe('ABORTED');
    expect(ctx.recorded).toHaveLength(1);
    expect(error.message).toContain(`task ${ctx.recorded[0]} still running at hiapi`);
    expect(count('hiapi.get')).toBe(0);
  });

  it('retries a 429 on create (not billed) and pauses everyone', async () => {
    mock.setFaults([
      { route: 'hiapi.create', attempt: 1, fault: faults.rateLimited({ retryAfterMs: 15 }) },
    ]);
    const p = provider();
    const ctx = context();
    await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(count('hiapi.create')).toBe(2);
    expect(mock.paidCalls()).toBe(1);
    expect(ctx.pauses).toEqual([15]);
  });

  it('retries a 503 on create but not a 500', async () => {
    mock.setFaults([{ route: 'hiapi.create', attempt: 1, fault: faults.serverError(503) }]);
    const p = provider();
    await p.generate(p.prepare(intent(), 'gpt-image-2'), context());
    expect(count('hiapi.create')).toBe(2);
    mock.reset();
    const { error } = await failWith([{ route: 'hiapi.create', fault: faults.serverError(500) }]);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(count('hiapi.create')).toBe(1);
  });

  it('never retries a create after a reset or a timeout: it may have been billed', async () => {
    const reset = await failWith([{ route: 'hiapi.create', fault: faults.reset() }]);
    expect(reset.error.mayHaveBilled).toBe(true);
    expect(reset.error.message).toContain('may have been billed');
    expect(count('hiapi.create')).toBe(1);
    mock.reset();
    const slow = await failWith([{ route: 'hiapi.create', fault: faults.slowHeaders(3000) }], {
      timeoutMs: 250,
    });
    expect(slow.error.code).toBe('TIMEOUT');
    expect(slow.error.mayHaveBilled).toBe(true);
    expect(count('hiapi.create')).toBe(1);
  });

  it('retries transient poll and download failures', async () => {
    mock.setFaults([
      { route: 'hiapi.get', attempt: 1, fault: faults.serverError(502) },
      { route: 'hiapi.download', attempt: 1, fault: faults.reset() },
    ]);
    const p = provider();
    const ctx = context();
    const image = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(image.bytes.length).toBeGreaterThan(0);
    expect(count('hiapi.create')).toBe(1);
    expect(count('hiapi.download')).toBe(2);
    expect(ctx.retries.length).toBe(2);
  });

  it.each([
    ['402 balance', faults.insufficientQuota(), 'PROVIDER_QUOTA', 'Top up'],
    ['content policy', faults.moderationBlocked(), 'PROVIDER_MODERATION', 'Rephrase'],
    ['401', faults.unauthorized(), 'PROVIDER_AUTH', 'HIAPI_API_KEY'],
  ])('does not retry %s on create', async (_name, fault, code, advice) => {
    const { error } = await failWith([{ route: 'hiapi.create', fault }]);
    expect(error.code).toBe(code);
    expect(error.message).toContain(advice);
    expect(count('hiapi.create')).toBe(1);
  });

  it('refuses oversized and non-image downloads', async () => {
    const big = await failWith(
      [{ route: 'hiapi.download', fault: faults.oversizedDownload(4 * 1024 * 1024) }],
      {},
      { maxDownloadBytes: 1024 * 1024 },
    );
    expect(big.error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(big.error.message).toContain('too large');
    mock.reset();
    const streamed = await failWith(
      [{ route: 'hiapi.download', fault: faults.oversizedDownload(4 * 1024 * 1024, false) }],
      {},
      { maxDownloadBytes: 1024 * 1024 },
    );
    expect(streamed.error.code).toBe('PROVIDER_BAD_RESPONSE');
    mock.reset();
    const text = await failWith([{ route: 'hiapi.download', fault: faults.nonImage() }]);
    expect(text.error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(text.error.message).toContain('not an image');
    expect(count('hiapi.create')).toBe(1);
  });

  it('does not leak a wrong key', async () => {
    const wrong = 'hk-herogen-FAKE-wrong-0011223344';
    const p = createHiapiProvider({ apiKey: wrong, baseURL: mock.hiapiBaseURL });
    const error = (await p
      .generate(p.prepare(intent(), 'gpt-image-2'), context())
      .catch((e) => e)) as HerogenError;
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(formatError(error)).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });
});

describe('hiapi provider: planning', () => {
  it('refuses local references, explaining why and what to do', () => {
    const p = provider();
    const request = p.prepare(
      intent({ references: [{ path: 'src/assets/ref.png', sha256: 'x' }] }),
      'gpt-image-2',
    );
    const issues = p.validate(request);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'references',
          message: expect.stringContaining('hiapi needs public URLs for reference images'),
        }),
      ]),
    );
    expect(issues.map((i) => i.message).join()).toContain('openai provider');
  });

  it('checks resolution and aspect rules per model', () => {
    const p = provider();
    const pro = p.prepare(intent({ resolution: '4K', aspect: '2:1' }), 'gpt-image-2-pro');
    expect(pro.aspect).not.toBe('2:1');
    expect(p.validate(pro).map((i) => i.field)).toContain('resolution');
    const square = p.prepare(intent({ resolution: '4K', aspect: '1:1' }), 'gpt-image-2');
    expect(
      p
        .validate(square)
        .map((i) => i.message)
        .join(),
    ).toContain('1:1');
    const clear = p.prepare(intent({ background: 'transparent' }), 'gpt-image-2');
    expect(p.validate(clear).map((i) => i.field)).toContain('background');
    const i2i = p.prepare(intent(), 'gpt-image-2-image-to-image');
    expect(i2i.model).toBe('gpt-image-2');
    expect(
      p.validate({ ...i2i, model: 'gpt-image-2-image-to-image' }).map((i) => i.field),
    ).toContain('model');
  });

  it('prices from the table or the user overrides, always as an estimate', () => {
    const p = provider();
    const twoK = p.prepare(intent({ resolution: '2K' }), 'gpt-image-2');
    expect(p.estimate(twoK)).toEqual({ usd: 0.04, confidence: 'estimate' });
    expect(p.estimate(p.prepare(intent(), 'gpt-image-2-pro'))).toEqual({
      usd: 0.35,
      confidence: 'estimate',
    });
    const custom = provider({ prices: { 'gpt-image-2@2K': 0.05, 'gpt-image-2-pro': 0.3 } });
    expect(custom.estimate(twoK).usd).toBe(0.05);
    expect(custom.estimate(p.prepare(intent(), 'gpt-image-2-pro')).usd).toBe(0.3);
    expect(p.estimate({ ...twoK, model: 'gpt-image-3' })).toEqual({
      usd: null,
      confidence: 'unknown',
    });
  });

  it('reads the key from the environment when asked', () => {
    expect(createHiapiProvider({ env: {} }).isConfigured()).toBe(false);
    expect(createHiapiProvider({ env: { HIAPI_API_KEY: 'k-123456' } }).isConfigured()).toBe(true);
  });

  it('creates no task for an invalid request or without a key, and says why', async () => {
    const p = provider();
    const invalid = {
      ...p.prepare(intent(), 'gpt-image-2'),
      aspect: '1:1',
      resolution: '4K' as const,
    };
    await expect(p.generate(invalid, context())).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message:
        'hiapi gpt-image-2: the task was not created because resolution: hiapi cannot make 1:1 images at 4K; use 2K, or another aspect ratio.',
    });
    const keyless = createHiapiProvider({ env: {}, baseURL: mock.hiapiBaseURL });
    await expect(
      keyless.generate(keyless.prepare(intent(), 'gpt-image-2'), context()),
    ).rejects.toMatchObject({
      code: 'PROVIDER_AUTH',
      message: 'hiapi: no API key; set HIAPI_API_KEY (or `hiapi.apiKey` in the herogen config).',
    });
    expect(mock.requests).toEqual([]);
  });
});
