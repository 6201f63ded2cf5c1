import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  computeKey,
  isCacheKey,
  KEY_PATTERN,
  KEY_VERSION,
  originalFileName,
} from '../src/key/cache-key.js';
import type { GenerationRequest } from '../src/types.js';

const openai: GenerationRequest = {
  provider: 'openai',
  model: 'gpt-image-2',
  prompt: 'Overhead flat-lay of a split mechanical keyboard on a walnut desk, soft window light',
  size: '1536x864',
  quality: 'high',
  background: 'opaque',
  format: 'png',
  references: [],
  variant: 0,
};

const hiapi: GenerationRequest = {
  provider: 'hiapi',
  model: 'gpt-image-2',
  prompt: 'A lighthouse at dusk',
  aspect: '16:9',
  resolution: '2K',
  format: 'webp',
  references: [],
  variant: 0,
};

const withReferences: GenerationRequest = {
  ...openai,
  references: [
    { path: 'src/content/ref/a.png', sha256: 'a'.repeat(64) },
    { path: 'src/content/ref/b.jpg', sha256: 'b'.repeat(64) },
  ],
  variant: 2,
};

const unicode: GenerationRequest = {
  provider: 'local',
  model: 'herogen-art-1',
  prompt: 'Ünïcödé — café ☕ "quotes"\nnew line',
  size: '1200x630',
  format: 'jpeg',
  references: [],
  variant: 1,
};

describe('computeKey golden values', () => {
  // Changing any of these means every user's stored image is orphaned: bump KEY_VERSION.
  it('pins the recipe version', () => {
    expect(KEY_VERSION).toBe(1);
  });

  it('pins exact keys', () => {
    expect(computeKey(openai)).toBe('2e0e99b7aadd64592d36');
    expect(computeKey(hiapi)).toBe('f0ede9bf04c5972e24a5');
    expect(computeKey(withReferences)).toBe('23fbcfaa6607813d5bba');
    expect(computeKey(unicode)).toBe('f71f7f7ae82303a4f858');
  });

  it('is the first 20 hex chars of sha256 over the documented canonical JSON', () => {
    const canonical =
      '{"background":"opaque","format":"png","model":"gpt-image-2","prompt":"Overhead flat-lay of a split mechanical keyboard on a walnut desk, soft window light","provider":"openai","quality":"high","references":[],"size":"1536x864","v":1,"variant":0}';
    const digest = createHash('sha256').update(canonical).digest('hex');
    expect(computeKey(openai)).toBe(digest.slice(0, 20));
    expect(computeKey(openai)).toMatch(KEY_PATTERN);
  });
});

describe('computeKey encoding', () => {
  it('equals sha256 of canonicalJson over the material, whichever optional fields are set', () => {
    const optional = {
      aspect: '16:9',
      size: '1536x864',
      resolution: '2K',
      quality: 'high',
      background: 'transparent',
    } as const;
    const names = Object.keys(optional) as (keyof typeof optional)[];
    for (let mask = 0; mask < 2 ** names.length; mask++) {
      const request: GenerationRequest = {
        provider: 'hiapi',
        model: 'gpt-image-2',
        prompt: `a "quoted" prompt \\ with ünïcode ${mask}`,
        format: mask % 2 ? 'webp' : 'png',
        references: mask % 3 ? [{ path: 'a.png', sha256: 'a'.repeat(64) }] : [],
        variant: mask % 4,
      };
      names.forEach((name, bit) => {
        if (mask & (1 << bit)) Object.assign(request, { [name]: optional[name] });
      });
      const material = {
        v: 1,
        provider: request.provider,
        model: request.model,
        prompt: request.prompt,
        size: request.size,
        aspect: request.aspect,
        resolution: request.resolution,
        quality: request.quality,
        background: request.background,
        format: request.format,
        references: request.references.map((reference) => reference.sha256),
        variant: request.variant,
      };
      const digest = createHash('sha256').update(canonicalJson(material)).digest('hex');
      expect(computeKey(request), `mask ${mask}`).toBe(digest.slice(0, 20));
    }
  });
});

describe('computeKey inputs', () => {
  it('changes with every pixel-affecting field', () => {
    const base = computeKey(openai);
    const variants: GenerationRequest[] = [
      { ...openai, provider: 'hiapi' },
      { ...openai, model: 'gpt-image-2-pro' },
      { ...openai, prompt: `${openai.prompt}.` },
      { ...openai, size: '1024x1024' },
      { ...openai, aspect: '16:9' },
      { ...openai, resolution: '4K' },
      { ...openai, quality: 'low' },
      { ...openai, background: 'transparent' },
      { ...openai, format: 'webp' },
      { ...openai, variant: 1 },
      { ...openai, references: [{ path: 'a.png', sha256: 'c'.repeat(64) }] },
      { ...withReferences, references: [...withReferences.references].reverse() },
    ];
    const keys = variants.map(computeKey);
    expect(keys).not.toContain(base);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ignores reference paths: renaming a reference keeps the key', () => {
    const renamed: GenerationRequest = {
      ...withReferences,
      references: withReferences.references.map((reference, index) => ({
        ...reference,
        path: `moved/elsewhere/${index}.png`,
      })),
    };
    expect(computeKey(renamed)).toBe(computeKey(withReferences));
  });

  it('ignores key order and undefined fields', () => {
    const reordered = Object.fromEntries(
      Object.entries(openai).reverse(),
    ) as unknown as GenerationRequest;
    expect(computeKey(reordered)).toBe(computeKey(openai));
    expect(computeKey({ ...openai, aspect: undefined, resolution: undefined })).toBe(
      computeKey(openai),
    );
  });

  it('ignores anything outside the request contract (alt, title, file path)', () => {
    const decorated = {
      ...openai,
      alt: 'A keyboard',
      title: 'Building a split keyboard',
      file: 'src/content/blog/keyboard.md',
    } as GenerationRequest;
    expect(computeKey(decorated)).toBe(computeKey(openai));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, keeps array order', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, 1, { z: 1, y: undefined }], c: 'x' }, e: undefined }),
    ).toBe('{"a":{"c":"x","d":[3,1,{"z":1}]},"b":1}');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
  });
});

describe('originalFileName', () => {
  it('uses the format extension, jpeg as .jpg', () => {
    expect(originalFileName('2e0e99b7aadd64592d36', 'png')).toBe('2e0e99b7aadd64592d36.png');
    expect(originalFileName('2e0e99b7aadd64592d36', 'webp')).toBe('2e0e99b7aadd64592d36.webp');
    expect(originalFileName('2e0e99b7aadd64592d36', 'jpeg')).toBe('2e0e99b7aadd64592d36.jpg');
  });
});

describe('isCacheKey', () => {
  it('accepts what computeKey makes and the stored range, nothing that could leave a folder', () => {
    expect(isCacheKey(computeKey(openai))).toBe(true);
    expect(isCacheKey('0'.repeat(8))).toBe(true);
    expect(isCacheKey('f'.repeat(64))).toBe(true);
    for (const bad of [
      '0'.repeat(7),
      '0'.repeat(65),
      'ABCDEF0123',
      '../../etc',
      'abcdef01.png',
      '',
    ]) {
      expect(isCacheKey(bad)).toBe(false);
    }
  });
});
