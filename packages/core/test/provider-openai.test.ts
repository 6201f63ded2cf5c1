import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockApi, type FaultRule, faults, type MockApi } from '@herogen/mock-api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatError, HerogenError } from '../src/errors.js';
import { createHttpClient } from '../src/http/client.js';
import type { RetryInfo } from '../src/http/retry.js';
import { createOpenAIProvider } from '../src/providers/openai.js';
import type { GenerationRequest, HeroIntent, ProviderContext } from '../src/types.js';

const KEY = 'sk-herogen-FAKE-openai-7f3c9a1b2d4e';
const spec = JSON.parse(
  await readFile(new URL('./fixtures/openai-images-openapi.json', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };

/** The spec is OpenAPI 3.1 but keeps 3.0's `nullable`; turn it into JSON Schema. */
function jsonSchemaOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(jsonSchemaOf);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'nullable') out[key] = jsonSchemaOf(value);
  }
  if ((node as { nullable?: unknown }).nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
  }
  return out;
}
const components = jsonSchemaOf(spec.components);
const ajv = new Ajv2020({ strict: false, allErrors: true });
const coercing = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
for (const instance of [ajv, coercing]) {
  // CommonJS default export: the function is also on `.default`, which is what TS sees.
  addFormats.default(instance);
  // OpenAPI's file and timestamp formats: nothing to check in a JSON value.
  instance.addFormat('binary', true);
  instance.addFormat('unixtime', true);
}
ajv.addSchema({ $id: 'openai', components });
const validateGeneration = ajv.getSchema('openai#/components/schemas/CreateImageRequest')!;
coercing.addSchema({ $id: 'openai', components });
const validateEdit = coercing.getSchema('openai#/components/schemas/CreateImageEditRequest')!;
const schemaProps = (name: string) => Object.keys(spec.components.schemas[name]!.properties);

function intent(overrides: Partial<HeroIntent> = {}): HeroIntent {
  return {
    prompt: 'A split keyboard on a walnut desk',
    aspect: '16:9',
    resolution: '1K',
    quality: 'low',
    background: 'auto',
    format: 'png',
    references: [],
    variant: 0,
    ...overrides,
  };
}

interface TestContext extends ProviderContext {
  logs: string[];
  retries: RetryInfo[];
  pauses: number[];
  controller: AbortController;
}

function context(root: string, overrides: Partial<ProviderContext> = {}): TestContext {
  const logs: string[] = [];
  const retries: RetryInfo[] = [];
  const pauses: number[] = [];
  const controller = new AbortController();
  const log = (message: string) => logs.push(message);
  return {
    signal: controller.signal,
    logger: { debug: log, info: log, warn: log, error: log },
    readReference: async (path) => new Uint8Array(await readFile(join(root, path))),
    task: { resumeTaskId: undefined, record: async () => {} },
    timeoutMs: 10_000,
    maxRetries: 3,
    pauseAll: (ms) => pauses.push(ms),
    onRetry: (info) => retries.push(info as RetryInfo),
    logs,
    retries,
    pauses,
    controller,
    ...overrides,
  };
}

let mock: MockApi;
let root: string;
const provider = () =>
  createOpenAIProvider({
    apiKey: KEY,
    baseURL: mock.openaiBaseURL,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
const calls = (route = 'openai.generations') =>
  mock.requests.filter((r) => r.route === route).length;

/** Run a request with one fault script and return what was thrown. */
async function failWith(rules: FaultRule[], overrides: Partial<ProviderContext> = {}) {
  mock.setFaults(rules);
  const p = provider();
  const request = p.prepare(intent(), p.defaultModel);
  const ctx = context(root, overrides);
  const error = await p.generate(request, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(HerogenError.is(error)).toBe(true);
  const herr = error as HerogenError;
  // The key must never leak, whatever the failure.
  expect(formatError(herr)).not.toContain(KEY);
  expect(JSON.stringify({ ...herr, message: herr.message })).not.toContain(KEY);
  expect(String((herr.cause as Error | undefined)?.message ?? '')).not.toContain(KEY);
  expect(ctx.logs.join('\n')).not.toContain(KEY);
  return { error: herr, ctx };
}

beforeAll(async () => {
  mock = await createMockApi({ apiKey: KEY, latencyMs: 0 });
  root = await mkdtemp(join(tmpdir(), 'herogen-openai-'));
});
afterAll(async () => {
  await mock.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  mock.reset();
  mock.setFaults([]);
});

describe('openai provider: requests', () => {
  it('generates one image with a spec-valid JSON body and an exact cost from usage', async () => {
    const p = provider();
    const request = p.prepare(intent(), p.defaultModel);
    expect(request).toMatchObject({ size: '1360x768', quality: 'low', model: 'gpt-image-2' });
    expect(request.aspect).toBeUndefined();
    const image = await p.generate(request, context(root));

    expect(mock.requests).toHaveLength(1);
    const seen = mock.requests[0]!;
    expect(seen.route).toBe('openai.generations');
    expect(seen.headers.authorization).toBe('[redacted]');
    const body = seen.body as Record<string, unknown>;
    expect(validateGeneration(body), JSON.stringify(validateGeneration.errors)).toBe(true);
    expect(Object.keys(body).every((k) => schemaProps('CreateImageRequest').includes(k))).toBe(
      true,
    );
    expect(body).toEqual({
      model: 'gpt-image-2',
      prompt: request.prompt,
      n: 1,
      size: '1360x768',
      quality: 'low',
      output_format: 'png',
    });
    expect(body).not.toHaveProperty('response_format');

    const meta = await sharp(image.bytes).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([1360, 768]);
    expect(image.mediaType).toBe('image/png');
    expect(image.requestId).toBe(seen.requestId);
    expect(image.costConfidence).toBe('exact');
    expect(image.costUsd).toBeGreaterThan(0);
    expect(image.usage).toHaveProperty('output_tokens');
    expect(mock.paidCalls()).toBe(1);
  });

  it('sends background, format and organization headers, all spec-valid', async () => {
    const p = createOpenAIProvider({
      env: {
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: `${mock.openaiBaseURL}/`,
        OPENAI_ORG_ID: 'org-herogen',
        OPENAI_PROJECT_ID: 'proj-herogen',
      },
      moderation: 'low',
    });
    expect(p.isConfigured()).toBe(true);
    const request = p.prepare(
      intent({ background: 'transparent', format: 'webp', quality: 'medium' }),
      'gpt-image-2.6-flare',
    );
    const image = await p.generate(request, context(root));
    const seen = mock.requests[0]!;
    expect(seen.headers['openai-organization']).toBe('org-herogen');
    expect(seen.headers['openai-project']).toBe('proj-herogen');
    const body = seen.body as Record<string, unknown>;
    expect(validateGeneration(body), JSON.stringify(validateGeneration.errors)).toBe(true);
    expect(body).toMatchObject({
      background: 'transparent',
      output_format: 'webp',
      moderation: 'low',
    });
    expect(image.mediaType).toBe('image/webp');
  });

  it('uses /images/edits with image[] parts when the hero has references', async () => {
    const ref = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 200, b: 90 } },
    })
      .png()
      .toBuffer();
    await writeFile(join(root, 'ref-a.png'), ref);
    await writeFile(join(root, 'ref-b.png'), ref);
    const p = provider();
    const request = p.prepare(
      intent({
        references: [
          { path: 'ref-a.png', sha256: 'a' },
          { path: 'ref-b.png', sha256: 'b' },
        ],
      }),
      'gpt-image-2',
    );
    const image = await p.generate(request, context(root));
    expect(calls('openai.edits')).toBe(1);
    const body = { ...(mock.requests[0]!.body as Record<string, unknown>) };
    const files = body['image[]'] as Array<{ filename: string; size: number; type: string }>;
    expect(files.map((f) => [f.filename, f.size, f.type])).toEqual([
      ['ref-a.png', ref.length, 'image/png'],
      ['ref-b.png', ref.length, 'image/png'],
    ]);
    delete body['image[]'];
    const fields = { ...body, image: 'file' };
    expect(validateEdit(fields), JSON.stringify(validateEdit.errors)).toBe(true);
    expect(Object.keys(body).every((k) => schemaProps('CreateImageEditRequest').includes(k))).toBe(
      true,
    );
    expect(body.model).toBe('gpt-image-2');
    expect((await sharp(image.bytes).metadata()).width).toBe(1360);
  });

  it('refuses invalid requests before any call', async () => {
    const p = provider();
    const bad: GenerationRequest = {
      ...p.prepare(intent(), 'dall-e-3'),
      size: '1920x1080',
      quality: 'xhigh',
      background: 'transparent',
      format: 'jpeg',
    };
    const fields = p.validate(bad).map((issue) => issue.field);
    expect(fields).toEqual(expect.arrayContaining(['model', 'size', 'format']));
    const gpt2 = { ...bad, model: 'gpt-image-2' };
    const messages = p
      .validate(gpt2)
      .map((issue) => issue.message)
      .join('\n');
    expect(messages).toContain('xhigh');
    expect(messages).toContain('transparent');
    expect(p.validate({ ...gpt2, quality: 'xhigh', model: 'gpt-image-2.5-sunburst' })).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'quality' })]),
    );
    expect(
      p.validate({ ...p.prepare(intent(), 'gpt-image-1'), prompt: 'x'.repeat(32_001) }),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'prompt' }),
        expect.objectContaining({ field: 'model', message: expect.stringContaining('2026-10-23') }),
      ]),
    );
    await expect(p.generate(bad, context(root))).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(mock.requests).toHaveLength(0);
  });

  it('estimates from the per-image table and knows when it cannot', () => {
    const p = provider();
    const square = p.prepare(intent({ size: '1024x1024', quality: 'high' }), 'gpt-image-2');
    const est = p.estimate(square);
    expect(est.confidence).toBe('estimate');
    expect(est.usd).toBeCloseTo(0.211, 3);
    const wide = p.estimate(
      p.prepare(intent({ size: '1536x1024', quality: 'medium' }), 'gpt-image-2'),
    );
    expect(wide.usd).toBeCloseTo(0.041, 3);
    const big = p.estimate(p.prepare(intent({ size: '2048x2048', quality: 'low' }), 'gpt-image-2'));
    expect(big.usd).toBeCloseTo(0.024, 3);
    expect(p.estimate({ ...square, quality: 'auto' })).toEqual({
      usd: null,
      confidence: 'unknown',
    });
    expect(p.estimate({ ...square, model: 'gpt-image-9' })).toEqual({
      usd: null,
      confidence: 'unknown',
    });
  });

  it('is not configured without a key and says which variable to set', async () => {
    const p = createOpenAIProvider({ env: {} });
    expect(p.isConfigured()).toBe(false);
    await expect(
      p.generate(p.prepare(intent(), 'gpt-image-2'), context(root)),
    ).rejects.toMatchObject({
      code: 'PROVIDER_AUTH',
      message: expect.stringContaining('OPENAI_API_KEY'),
    });
  });

  it('shares one run-wide HTTP client when the context has one', async () => {
    const http = createHttpClient({ concurrency: 2, timeoutMs: 10_000 });
    try {
      const p = provider();
      const ctx = context(root, { http });
      await Promise.all([
        p.generate(p.prepare(intent({ prompt: 'one' }), 'gpt-image-2'), ctx),
        p.generate(p.prepare(intent({ prompt: 'two' }), 'gpt-image-2'), ctx),
      ]);
      expect(calls()).toBe(2);
    } finally {
      await http.close();
    }
  });
});

describe('openai provider: failures', () => {
  it('retries a 429 twice, pausing everyone, then returns one image', async () => {
    mock.setFaults([
      {
        route: 'openai.generations',
        attempt: [1, 2],
        fault: faults.rateLimited({ retryAfterMs: 12 }),
      },
    ]);
    const p = provider();
    const ctx = context(root);
    const image = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(image.bytes.length).toBeGreaterThan(0);
    expect(calls()).toBe(3);
    expect(mock.paidCalls()).toBe(1);
    expect(ctx.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(ctx.pauses).toEqual([12, 12]);
  });

  it('honours retry-after-ms over retry-after', async () => {
    mock.setFaults([
      { route: 'openai.generations', attempt: 1, fault: faults.rateLimited({ retryAfterMs: 37 }) },
    ]);
    const p = provider();
    const ctx = context(root);
    await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    // retry-after says 1 s; retry-after-ms says 37 ms and wins.
    expect(ctx.retries[0]?.delayMs).toBe(37);
    expect(ctx.pauses).toEqual([37]);
  });

  it('gives up on a persistent rate limit with PROVIDER_RATE_LIMIT', async () => {
    const { error } = await failWith([{ fault: faults.rateLimited({ retryAfterMs: 1 }) }], {
      maxRetries: 2,
    });
    expect(error.code).toBe('PROVIDER_RATE_LIMIT');
    expect(error.message).toContain('gave up after 3 attempts');
    expect(calls()).toBe(3);
  });

  it('retries 500 and 503, then succeeds', async () => {
    mock.setFaults([
      { route: 'openai.generations', attempt: 1, fault: faults.serverError(500) },
      { route: 'openai.generations', attempt: 2, fault: faults.serverError(503) },
    ]);
    const p = provider();
    const ctx = context(root);
    await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(calls()).toBe(3);
    expect(ctx.retries.map((r) => r.status)).toEqual([500, 503]);
    expect(ctx.pauses).toEqual([]);
  });

  it('reports PROVIDER_UNAVAILABLE with the request id once 5xx retries run out', async () => {
    const { error } = await failWith([{ fault: faults.serverError(503) }], { maxRetries: 1 });
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(calls()).toBe(2);
    expect(error.requestId).toBe(mock.requests[1]!.requestId);
    expect(error.message).toContain(mock.requests[1]!.requestId);
    expect(error.message).toContain('overloaded');
  });

  it('retries a connection reset and flags that it may have been billed', async () => {
    mock.setFaults([{ route: 'openai.generations', attempt: 1, fault: faults.reset() }]);
    const p = provider();
    const ctx = context(root);
    const image = await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(image.mediaType).toBe('image/png');
    expect(calls()).toBe(2);
    expect(ctx.retries[0]?.reason).toContain('may have been billed');
  });

  it('retries a truncated body', async () => {
    mock.setFaults([{ route: 'openai.generations', attempt: 1, fault: faults.truncatedBody() }]);
    const p = provider();
    const ctx = context(root);
    await p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    expect(calls()).toBe(2);
    expect(ctx.retries[0]?.code).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('does not retry insufficient_quota', async () => {
    const { error, ctx } = await failWith([{ fault: faults.insufficientQuota() }]);
    expect(error.code).toBe('PROVIDER_QUOTA');
    expect(calls()).toBe(1);
    expect(ctx.retries).toEqual([]);
    expect(ctx.pauses).toEqual([]);
    expect(error.message).toContain('openai gpt-image-2');
    expect(error.message).toContain('You exceeded your current quota');
    expect(error.message).toContain('platform.openai.com/settings/organization/billing');
  });

  it('does not retry moderation_blocked and says to rephrase', async () => {
    const { error } = await failWith([{ fault: faults.moderationBlocked() }]);
    expect(error.code).toBe('PROVIDER_MODERATION');
    expect(calls()).toBe(1);
    expect(error.message).toContain('Rephrase the prompt');
    expect(error.message).toContain('rejected by the safety system');
  });

  it.each([
    ['401', faults.unauthorized(), 'PROVIDER_AUTH', 'OPENAI_API_KEY'],
    ['403', faults.forbidden(), 'PROVIDER_AUTH', 'need verification'],
    ['404', faults.modelNotFound(), 'PROVIDER_NOT_FOUND', 'gpt-image-2 or later'],
  ])('does not retry %s', async (_status, fault, code, advice) => {
    const { error } = await failWith([{ fault }]);
    expect(error.code).toBe(code);
    expect(calls()).toBe(1);
    expect(error.message).toContain(advice);
    expect(error.requestId).toBe(mock.requests[0]!.requestId);
  });

  it('does not leak a wrong key the server rejects', async () => {
    const wrong = 'sk-herogen-FAKE-wrong-key-5566778899';
    const p = createOpenAIProvider({ apiKey: wrong, baseURL: mock.openaiBaseURL });
    const ctx = context(root);
    const error = (await p
      .generate(p.prepare(intent(), 'gpt-image-2'), ctx)
      .catch((e) => e)) as HerogenError;
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(calls()).toBe(1);
    expect(formatError(error)).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it('does not retry a timed-out POST and says it may have been billed', async () => {
    const { error, ctx } = await failWith([{ fault: faults.slowHeaders(3000) }], {
      timeoutMs: 300,
    });
    expect(error.code).toBe('TIMEOUT');
    expect(error.mayHaveBilled).toBe(true);
    expect(error.message).toContain('may have been billed');
    expect(calls()).toBe(1);
    expect(ctx.retries).toEqual([]);
  });

  it('rejects invalid base64 and non-image bytes without retrying', async () => {
    const bad = await failWith([{ fault: faults.invalidBase64() }]);
    expect(bad.error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(bad.error.message).toContain('base64');
    expect(calls()).toBe(1);
    mock.reset();
    const text = await failWith([{ fault: faults.nonImage() }]);
    expect(text.error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(text.error.message).toContain('not decode to an image');
    expect(calls()).toBe(1);
  });

  it('decodes an answer that arrives in pieces, cut inside the base64 and inside escapes', async () => {
    const p = provider();
    const request = p.prepare(intent(), p.defaultModel);
    const whole = await p.generate(request, context(root));
    for (const fault of [
      faults.dribbledAnswer(4093, { escapeSlashes: true }),
      faults.dribbledAnswer(1021),
    ]) {
      mock.setFaults([{ fault }]);
      const image = await p.generate(request, context(root));
      expect(Buffer.from(image.bytes).equals(Buffer.from(whole.bytes))).toBe(true);
      expect(image.costUsd).toBe(whole.costUsd);
      expect(image.usage).toEqual(whole.usage);
      expect(image.requestId).toMatch(/^req_/);
    }
  });

  it('refuses an oversized response, declared or found while it streams in', async () => {
    // The second answer comes in pieces with no content-length: refused mid-stream.
    for (const rules of [[], [{ fault: faults.dribbledAnswer(8192) }]]) {
      mock.reset();
      mock.setFaults(rules);
      const p = createOpenAIProvider({
        apiKey: KEY,
        baseURL: mock.openaiBaseURL,
        maxResponseBytes: rules.length === 0 ? 1024 : 64 * 1024,
      });
      const error = (await p
        .generate(p.prepare(intent(), 'gpt-image-2'), context(root))
        .catch((e) => e)) as HerogenError;
      expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
      expect(error.message).toContain('too large');
      expect(calls()).toBe(1);
    }
  });

  it('reports a billed answer without b64_json, with its cost', async () => {
    const { error } = await failWith([{ fault: faults.missingImage() }]);
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(error.message).toContain('`data[0].b64_json` is missing');
    expect(error.billed?.costConfidence).toBe('exact');
    expect(calls()).toBe(1);
  });

  it('stops at once when aborted, with no further attempt', async () => {
    mock.setFaults([{ fault: faults.slowHeaders(3000) }]);
    const p = provider();
    const ctx = context(root);
    const pending = p.generate(p.prepare(intent(), 'gpt-image-2'), ctx);
    setTimeout(() => ctx.controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED', mayHaveBilled: true });
    expect(calls()).toBe(1);
  });

  it('cannot connect: retries, then PROVIDER_UNAVAILABLE without billing', async () => {
    const p = createOpenAIProvider({
      apiKey: KEY,
      baseURL: 'http://127.0.0.1:9/v1',
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    const ctx = context(root, { maxRetries: 1 });
    const error = (await p
      .generate(p.prepare(intent(), 'gpt-image-2'), ctx)
      .catch((e) => e)) as HerogenError;
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.mayHaveBilled).toBe(false);
    expect(ctx.retries).toHaveLength(1);
  });
});
