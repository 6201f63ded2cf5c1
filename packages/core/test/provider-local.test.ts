import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { hasPlaceholderMarker, PLACEHOLDER_MARKER } from '../src/image/placeholder-marker.js';
import {
  createLocalProvider,
  LOCAL_DEFAULT_MODEL,
  renderPlaceholder,
} from '../src/providers/local.js';
import type {
  GenerationRequest,
  HeroIntent,
  ImageFormat,
  Logger,
  ProviderContext,
} from '../src/types.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function context(signal: AbortSignal = new AbortController().signal): ProviderContext {
  return {
    signal,
    logger: silent,
    readReference: async () => new Uint8Array(),
    task: { resumeTaskId: undefined, record: async () => {} },
    timeoutMs: 60_000,
    maxRetries: 0,
  };
}

function intent(overrides: Partial<HeroIntent> = {}): HeroIntent {
  return {
    prompt: 'a lighthouse at dusk, long exposure',
    aspect: '16:9',
    resolution: '1K',
    quality: 'high',
    background: 'opaque',
    format: 'png',
    references: [],
    variant: 0,
    ...overrides,
  };
}

// The smallest valid size keeps these tests fast: 1024 x 640 = 655,360 pixels.
function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    provider: 'local',
    model: LOCAL_DEFAULT_MODEL,
    prompt: 'a lighthouse at dusk, long exposure',
    size: '1024x640',
    format: 'png',
    references: [],
    variant: 0,
    ...overrides,
  };
}

/** Mean absolute difference of two images' 32x18 thumbnails, in 8-bit levels. */
async function thumbnailDistance(a: Uint8Array, b: Uint8Array): Promise<number> {
  const thumb = (bytes: Uint8Array) =>
    sharp(bytes).resize(32, 18, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const [x, y] = await Promise.all([thumb(a), thumb(b)]);
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return total / x.length;
}

describe('local provider contract', () => {
  const provider = createLocalProvider();

  it('is a free, always-configured provider', () => {
    expect(provider.id).toBe('local');
    expect(provider.paid).toBe(false);
    expect(provider.defaultModel).toBe('herogen-art-1');
    expect(provider.maxPromptLength).toBe(32_000);
    expect(provider.isConfigured()).toBe(true);
    expect(provider.estimate(request())).toEqual({ usd: 0, confidence: 'exact' });
  });

  it('prepares a sized request and drops what does not change its pixels', () => {
    const references = [{ path: 'src/ref.png', sha256: 'a'.repeat(64) }];
    const prepared = provider.prepare(intent({ references, variant: 2, format: 'webp' }), 'm');
    expect(prepared).toEqual({
      provider: 'local',
      model: 'm',
      prompt: 'a lighthouse at dusk, long exposure',
      size: '1360x768',
      format: 'webp',
      references,
      variant: 2,
    });
    expect(prepared.quality).toBeUndefined();
    expect(prepared.background).toBeUndefined();
    expect(provider.prepare(intent({ size: '1024x1024' }), 'm').size).toBe('1024x1024');
    expect(provider.prepare(intent({ aspect: '9:16', resolution: '2K' }), 'm').size).toBe(
      '1536x2736',
    );
  });

  it('validates size rules and prompt length like a real image API', () => {
    expect(provider.validate(request())).toEqual([]);
    expect(provider.validate(request({ size: '1920x1080' }))).toEqual([
      {
        field: 'size',
        message: '1920x1080: height 1080 is not a multiple of 16; use 1920x1088 or 1792x1008',
      },
    ]);
    const long = provider.validate(request({ prompt: 'x'.repeat(32_001) }));
    expect(long).toHaveLength(1);
    expect(long[0]?.field).toBe('prompt');
    expect(long[0]?.message).toContain('32001 characters');
    expect(provider.validate(request({ prompt: '  ' }))[0]?.field).toBe('prompt');
    expect(provider.validate(request({ size: undefined }))[0]?.field).toBe('size');
  });
});

describe('local provider rendering', () => {
  const provider = createLocalProvider();

  it('renders the same bytes for the same request', async () => {
    const first = await provider.generate(request(), context());
    const second = await createLocalProvider().generate(request(), context());
    expect(first.mediaType).toBe('image/png');
    expect(first.costUsd).toBe(0);
    expect(first.costConfidence).toBe('exact');
    expect(Buffer.from(first.bytes).equals(Buffer.from(second.bytes))).toBe(true);
  });

  it('renders clearly different art for different prompts and variants', async () => {
    const base = await provider.generate(request(), context());
    const otherPrompt = await provider.generate(request({ prompt: 'a quiet forest' }), context());
    const otherVariant = await provider.generate(request({ variant: 1 }), context());
    expect(await thumbnailDistance(base.bytes, otherPrompt.bytes)).toBeGreaterThan(8);
    expect(await thumbnailDistance(base.bytes, otherVariant.bytes)).toBeGreaterThan(8);
  });

  it('decodes at exactly the requested size for each aspect and format', async () => {
    const cases: [string, ImageFormat][] = [
      ['1360x768', 'png'],
      ['1024x1024', 'webp'],
      ['768x1360', 'jpeg'],
      ['1568x672', 'webp'],
      ['1776x592', 'png'],
    ];
    for (const [size, format] of cases) {
      const image = await provider.generate(request({ size, format }), context());
      const meta = await sharp(image.bytes).metadata();
      expect(`${meta.width}x${meta.height}`).toBe(size);
      expect(`${image.width}x${image.height}`).toBe(size);
      expect(meta.format).toBe(format);
      expect(image.mediaType).toBe(`image/${format}`);
      expect(meta.hasAlpha).toBe(false);
    }
  });

  it('marks every format as a herogen placeholder in EXIF and XMP', async () => {
    for (const format of ['png', 'webp', 'jpeg'] as const) {
      const image = await provider.generate(request({ format }), context());
      const meta = await sharp(image.bytes).metadata();
      expect(meta.exif?.toString('latin1')).toContain(PLACEHOLDER_MARKER);
      expect(meta.xmp?.toString('utf8')).toContain(PLACEHOLDER_MARKER);
      expect(meta.xmp?.toString('utf8')).toContain('digitalsourcetype/algorithmicMedia');
      expect(await hasPlaceholderMarker(image.bytes)).toBe(true);
    }
    const plain = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();
    expect(await hasPlaceholderMarker(plain)).toBe(false);
    expect(await hasPlaceholderMarker(new TextEncoder().encode('not an image'))).toBe(false);
  });

  it('keeps the art when only the format changes', async () => {
    const png = await provider.generate(request({ format: 'png' }), context());
    const webp = await provider.generate(request({ format: 'webp' }), context());
    expect(await thumbnailDistance(png.bytes, webp.bytes)).toBeLessThan(3);
  });

  it('honours an abort before and during rendering', async () => {
    const before = new AbortController();
    before.abort();
    await expect(provider.generate(request(), context(before.signal))).rejects.toMatchObject({
      code: 'ABORTED',
    });
    const during = new AbortController();
    const pending = provider.generate(request(), context(during.signal));
    during.abort();
    await expect(pending).rejects.toSatisfy(
      (error: unknown) => HerogenError.is(error) && error.code === 'ABORTED',
    );
  });

  it('refuses to generate an invalid request', async () => {
    await expect(
      provider.generate(request({ size: '1000x1000' }), context()),
    ).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('does without grain when asked', async () => {
    const plain = await createLocalProvider({ grain: 0 }).generate(request(), context());
    const grainy = await provider.generate(request(), context());
    expect(Buffer.from(plain.bytes).equals(Buffer.from(grainy.bytes))).toBe(false);
    expect(await thumbnailDistance(plain.bytes, grainy.bytes)).toBeLessThan(2);
    expect(() => createLocalProvider({ grain: -1 })).toThrow(/grain/);
  });
});

describe('renderPlaceholder', () => {
  it('stands in for an OpenAI request at its size and format', async () => {
    const image = await renderPlaceholder(
      request({ provider: 'openai', model: 'gpt-image-2', size: '1536x864', format: 'webp' }),
    );
    const meta = await sharp(image.bytes).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([1536, 864, 'webp']);
    expect(meta.exif?.toString('latin1')).toContain(PLACEHOLDER_MARKER);
  });

  it('stands in for a hiapi request at the size hiapi would return', async () => {
    const image = await renderPlaceholder(
      request({
        provider: 'hiapi',
        model: 'gpt-image-2',
        size: undefined,
        aspect: '9:16',
        resolution: '1K',
        format: 'jpeg',
      }),
    );
    const meta = await sharp(image.bytes).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([768, 1360, 'jpeg']);
  });

  it('renders sizes OpenAI would reject, for providers with other rules', async () => {
    const image = await renderPlaceholder(request({ provider: 'custom', size: '1200x630' }));
    expect([image.width, image.height]).toEqual([1200, 630]);
    await expect(renderPlaceholder(request({ size: '20000x20000' }))).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
    });
  });

  it('is deterministic and matches the local provider for the same request', async () => {
    const local = await createLocalProvider().generate(request(), context());
    const stand = await renderPlaceholder(request());
    expect(Buffer.from(stand.bytes).equals(Buffer.from(local.bytes))).toBe(true);
  });
});
