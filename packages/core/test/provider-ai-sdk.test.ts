import { APICallError } from 'ai';
import { MockImageModelV3, MockImageModelV4 } from 'ai/test';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { aiSdk, seedFor } from '../src/providers/ai-sdk.js';
import { defineProvider } from '../src/providers/define-provider.js';
import type { HeroIntent, ProviderContext } from '../src/types.js';

let png: Uint8Array;
beforeAll(async () => {
  png = new Uint8Array(
    await sharp({ create: { width: 32, height: 18, channels: 3, background: '#336699' } })
      .png()
      .toBuffer(),
  );
});

function intent(overrides: Partial<HeroIntent> = {}): HeroIntent {
  return {
    prompt: 'A paper boat on a puddle',
    aspect: '16:9',
    resolution: '1K',
    quality: 'high',
    background: 'auto',
    format: 'png',
    references: [],
    variant: 0,
    ...overrides,
  };
}

function context(files: Record<string, Uint8Array> = {}): ProviderContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    readReference: async (path) => {
      const bytes = files[path];
      if (!bytes) throw new Error(`no such file ${path}`);
      return bytes;
    },
    task: { resumeTaskId: undefined, record: async () => {} },
    timeoutMs: 10_000,
    maxRetries: 0,
    warnings,
  };
}

type CallOptions = Record<string, unknown>;

function v4Model(provider = 'fal.image', calls: CallOptions[] = []) {
  return new MockImageModelV4({
    provider,
    modelId: 'flux-pro',
    doGenerate: async (options) => {
      calls.push(options as unknown as CallOptions);
      return {
        images: [png],
        warnings: [{ type: 'unsupported', feature: 'size', details: 'use aspectRatio' }],
        response: {
          timestamp: new Date(),
          modelId: 'flux-pro',
          headers: { 'x-request-id': 'r-42' },
        },
        usage: { inputTokens: 12, outputTokens: 345, totalTokens: 357 },
      };
    },
  });
}

describe('aiSdk adapter', () => {
  it('generates through generateImage with aspect ratio, a stable seed and SDK warnings', async () => {
    const calls: CallOptions[] = [];
    const provider = aiSdk(v4Model('fal.image', calls));
    expect(provider.id).toBe('ai-sdk:fal.image');
    expect(provider.defaultModel).toBe('flux-pro');
    const request = provider.prepare(intent(), provider.defaultModel);
    expect(request).toMatchObject({ aspect: '16:9', model: 'flux-pro' });
    expect(request.size).toBeUndefined();
    const ctx = context();
    const image = await provider.generate(request, ctx);

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ aspectRatio: '16:9', n: 1, prompt: request.prompt });
    expect(calls[0]!.size).toBeUndefined();
    expect(calls[0]!.seed).toBe(seedFor(request));
    expect(seedFor(request)).toBe(seedFor({ ...request }));
    expect(seedFor({ ...request, variant: 1 })).not.toBe(seedFor(request));

    expect(Buffer.from(image.bytes).equals(Buffer.from(png))).toBe(true);
    expect(image.mediaType).toBe('image/png');
    expect(image.requestId).toBe('r-42');
    expect(image.usage).toMatchObject({ outputTokens: 345 });
    expect(image.costConfidence).toBe('unknown');
    expect(image.costUsd).toBeUndefined();
    expect(image.warnings?.[0]).toContain('use aspectRatio');
    expect(ctx.warnings[0]).toContain('unsupported size');
  });

  it('sends an exact size and OpenAI options to OpenAI models, and no seed', async () => {
    const calls: CallOptions[] = [];
    const provider = aiSdk(v4Model('openai.image', calls), { pricePerImageUsd: 0.05 });
    const request = provider.prepare(intent(), 'flux-pro');
    expect(request.size).toBe('1360x768');
    const image = await provider.generate(request, context());
    expect(calls[0]).toMatchObject({
      size: '1360x768',
      providerOptions: { openai: { quality: 'high', outputFormat: 'png' } },
    });
    expect(calls[0]!.aspectRatio).toBeUndefined();
    expect(calls[0]!.seed).toBeUndefined();
    expect(image.costUsd).toBe(0.05);
    expect(provider.estimate(request)).toEqual({ usd: 0.05, confidence: 'estimate' });
  });

  it('accepts a v3 model returning base64 and passes references as files', async () => {
    const calls: CallOptions[] = [];
    const model = new MockImageModelV3({
      provider: 'replicate',
      modelId: 'sdxl',
      doGenerate: async (options) => {
        calls.push(options as unknown as CallOptions);
        return {
          images: [Buffer.from(png).toString('base64')],
          warnings: [],
          response: { timestamp: new Date(), modelId: 'sdxl', headers: {} },
        };
      },
    });
    const provider = aiSdk(model);
    const request = provider.prepare(
      intent({ references: [{ path: 'refs/a.png', sha256: 'x' }] }),
      'sdxl',
    );
    const image = await provider.generate(request, context({ 'refs/a.png': png }));
    expect(image.mediaType).toBe('image/png');
    const files = calls[0]!.files as Array<{ type: string; data: unknown }>;
    expect(files).toHaveLength(1);
    expect(files[0]!.type).toBe('file');
  });

  it('maps API errors to HerogenError codes without retrying refusals', async () => {
    let attempts = 0;
    const model = new MockImageModelV4({
      provider: 'openai.image',
      modelId: 'gpt-image-2',
      doGenerate: async () => {
        attempts++;
        throw new APICallError({
          message: 'Bad Request',
          url: 'https://example.invalid/v1/images/generations',
          requestBodyValues: {},
          statusCode: 400,
          responseHeaders: { 'x-request-id': 'req_mod' },
          responseBody: JSON.stringify({
            error: { message: 'Rejected by the safety system', code: 'moderation_blocked' },
          }),
          isRetryable: false,
        });
      },
    });
    const provider = aiSdk(model);
    const error = (await provider
      .generate(provider.prepare(intent(), 'gpt-image-2'), { ...context(), maxRetries: 2 })
      .catch((e) => e)) as HerogenError;
    expect(error.code).toBe('PROVIDER_MODERATION');
    expect(error.message).toContain('req_mod');
    expect(error.message).toContain('Rejected by the safety system');
    expect(attempts).toBe(1);
  });

  it('says which package to install when `ai` is missing', async () => {
    const provider = aiSdk(v4Model(), {
      loadAi: () =>
        Promise.reject(
          Object.assign(new Error("Cannot find package 'ai'"), { code: 'ERR_MODULE_NOT_FOUND' }),
        ),
    });
    await expect(
      provider.generate(provider.prepare(intent(), 'flux-pro'), context()),
    ).rejects.toMatchObject({
      code: 'MISSING_DEPENDENCY',
      message: expect.stringContaining('pnpm add ai'),
    });
  });

  it('refuses other models and things that are not image models', () => {
    const provider = aiSdk(v4Model());
    expect(provider.validate(provider.prepare(intent(), 'other-model'))).toEqual([
      expect.objectContaining({ field: 'model' }),
    ]);
    expect(() => aiSdk({ specificationVersion: 'v1' } as never)).toThrow(/image model/);
  });
});

describe('defineProvider', () => {
  it('fills defaults: paid, size from sizing, prompt checks, unknown cost', async () => {
    const provider = defineProvider({
      id: 'studio',
      generate: async () => ({ bytes: png, mediaType: 'image/png' }),
    });
    expect(provider.paid).toBe(true);
    expect(provider.defaultModel).toBe('default');
    expect(provider.isConfigured()).toBe(true);
    const request = provider.prepare(intent(), 'default');
    expect(request).toMatchObject({ provider: 'studio', size: '1360x768', quality: 'high' });
    expect(provider.validate(request)).toEqual([]);
    expect(provider.validate({ ...request, prompt: 'x'.repeat(32_001) })).toEqual([
      expect.objectContaining({ field: 'prompt' }),
    ]);
    expect(provider.estimate(request)).toEqual({ usd: null, confidence: 'unknown' });
    const image = await provider.generate(request, context());
    expect(image.bytes).toBe(png);
  });

  it('keeps what the definition gives', () => {
    const provider = defineProvider({
      id: 'cheap',
      paid: false,
      defaultModel: 'v2',
      maxPromptLength: 100,
      estimate: () => ({ usd: 0.01, confidence: 'estimate' }),
      isConfigured: () => false,
      generate: async () => ({ bytes: png, mediaType: 'image/png' }),
    });
    expect(provider.paid).toBe(false);
    expect(provider.maxPromptLength).toBe(100);
    expect(provider.isConfigured()).toBe(false);
    expect(provider.estimate(provider.prepare(intent(), 'v2')).usd).toBe(0.01);
  });

  it('rejects bad shapes at definition time and bad results at generation time', async () => {
    expect(() =>
      defineProvider({ id: '', generate: async () => ({ bytes: png, mediaType: 'x' }) }),
    ).toThrow(/id/);
    expect(() =>
      defineProvider({ id: 'openai', generate: async () => ({ bytes: png, mediaType: 'x' }) }),
    ).toThrow(/built-in/);
    expect(() => defineProvider({ id: 'x' } as never)).toThrow(/generate/);
    expect(() =>
      defineProvider({
        id: 'x',
        estimate: 3 as never,
        generate: async () => ({ bytes: png, mediaType: 'x' }),
      }),
    ).toThrow(/estimate/);
    const broken = defineProvider({ id: 'broken', generate: async () => ({}) as never });
    await expect(
      broken.generate(broken.prepare(intent(), 'default'), context()),
    ).rejects.toMatchObject({
      code: 'PROVIDER_BAD_RESPONSE',
    });
    expect(
      HerogenError.is(
        await broken.generate(broken.prepare(intent(), 'default'), context()).catch((e) => e),
      ),
    ).toBe(true);
  });
});
