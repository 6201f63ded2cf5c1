import { describe, expect, it } from 'vitest';
import { DERIVE_DEFAULTS } from '../src/derive/defaults.js';
import { sniffFormat } from '../src/derive/magic.js';
import {
  canonicalJson,
  computeHeight,
  computeWidths,
  planOg,
  planVariants,
} from '../src/derive/plan.js';
import { resolveDeriveOptions } from '../src/derive/resolve-options.js';
import { HerogenError } from '../src/errors.js';

describe('computeWidths', () => {
  it('keeps requested widths that fit and never upscales', () => {
    expect(computeWidths([640, 960, 1280, 1920], 3000)).toEqual([640, 960, 1280, 1920]);
    expect(computeWidths([640, 960, 1280, 1920], 1536)).toEqual([640, 960, 1280, 1536]);
    expect(computeWidths([1920, 640, 640], 1024)).toEqual([640, 1024]);
  });

  it('falls back to the original width when every request is larger', () => {
    expect(computeWidths([640, 960], 300)).toEqual([300]);
  });

  it('does not add the original width when it is already requested', () => {
    expect(computeWidths([640, 1280, 1920], 1280)).toEqual([640, 1280]);
  });
});

describe('computeHeight', () => {
  it('keeps the aspect ratio, rounding to whole pixels', () => {
    expect(computeHeight(640, { width: 1000, height: 563 })).toBe(360);
    expect(computeHeight(960, { width: 1536, height: 1024 })).toBe(640);
    expect(computeHeight(1, { width: 4000, height: 10 })).toBe(1);
  });
});

describe('resolveDeriveOptions', () => {
  it('fills in defaults', () => {
    const resolved = resolveDeriveOptions();
    expect(resolved.widths).toEqual([640, 960, 1280, 1920]);
    expect(resolved.formats).toEqual(['avif', 'webp', 'jpeg']);
    expect(resolved.quality).toEqual(DERIVE_DEFAULTS.quality);
    expect(resolved.avifEffort).toBe(4);
    expect(resolved.tagAiGenerated).toBe(false);
  });

  it('merges partial quality and sorts widths', () => {
    const resolved = resolveDeriveOptions({ widths: [960, 320, 960], quality: { webp: 60 } });
    expect(resolved.widths).toEqual([320, 960]);
    expect(resolved.quality.webp).toBe(60);
    expect(resolved.quality.avif).toBe(50);
  });

  it.each([
    [{ widths: [] }, 'widths'],
    [{ widths: [0] }, 'widths'],
    [{ formats: ['gif'] as never }, 'formats'],
    [{ quality: { jpeg: 101 } }, 'quality.jpeg'],
    [{ avifEffort: 10 }, 'avifEffort'],
  ])('rejects %j naming the option', (options, field) => {
    try {
      resolveDeriveOptions(options);
      expect.unreachable();
    } catch (error) {
      expect(HerogenError.is(error) && error.code).toBe('CONFIG_INVALID');
      expect((error as Error).message).toContain(`"${field}"`);
    }
  });
});

describe('transform hashing', () => {
  const original = { width: 2000, height: 1000 };

  it('is canonical: key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  it('pins cache names (bump DERIVE_VERSION when the recipe changes)', () => {
    const plan = planVariants(original, resolveDeriveOptions());
    expect(plan.map((p) => p.fileName)).toEqual([
      '640-52318810a73a3acb.avif',
      '960-baaa454bb1cfacaf.avif',
      '1280-3796b5f833912527.avif',
      '1920-e9acb1191cd85ce8.avif',
      '640-d26b08c4d0cc64a2.webp',
      '960-f31cee7fc8af58ca.webp',
      '1280-4e66a093ae803b33.webp',
      '1920-50f7fc4696ed6c89.webp',
      '640-5e932fbb2235beae.jpg',
      '960-ce6e6c89e4b8bc5e.jpg',
      '1280-7588ff948ba2dbdc.jpg',
      '1920-efc060f6bcde6c37.jpg',
    ]);
    expect(planOg(resolveDeriveOptions()).fileName).toBe('og-00b8d52c02ddfd31.jpg');
  });

  it('changes names only for the encodes an option affects', () => {
    const base = planVariants(original, resolveDeriveOptions());
    const slower = planVariants(original, resolveDeriveOptions({ avifEffort: 9 }));
    const tagged = planVariants(original, resolveDeriveOptions({ tagAiGenerated: true }));
    const names = (plan: typeof base, format: string) =>
      plan.filter((p) => p.transform.format === format).map((p) => p.fileName);
    expect(names(slower, 'avif')).not.toEqual(names(base, 'avif'));
    expect(names(slower, 'webp')).toEqual(names(base, 'webp'));
    expect(names(slower, 'jpeg')).toEqual(names(base, 'jpeg'));
    for (const format of ['avif', 'webp', 'jpeg']) {
      expect(names(tagged, format)).not.toEqual(names(base, format));
    }
  });

  it('plans variants by format, widths ascending, and a 1200×630 OG crop', () => {
    const plan = planVariants({ width: 1100, height: 550 }, resolveDeriveOptions());
    expect(
      plan.map((p) => `${p.transform.format}@${p.transform.width}x${p.transform.height}`),
    ).toEqual([
      'avif@640x320',
      'avif@960x480',
      'avif@1100x550',
      'webp@640x320',
      'webp@960x480',
      'webp@1100x550',
      'jpeg@640x320',
      'jpeg@960x480',
      'jpeg@1100x550',
    ]);
    const og = planOg(resolveDeriveOptions({ ogFormat: 'webp' }));
    expect(og.transform).toMatchObject({ kind: 'og', width: 1200, height: 630, format: 'webp' });
    expect(og.fileName).toMatch(/^og-[0-9a-f]{16}\.webp$/);
  });
});

describe('sniffFormat', () => {
  const bytes = (...parts: (string | number[])[]) =>
    new Uint8Array(
      parts.flatMap((part) =>
        typeof part === 'string' ? [...part].map((c) => c.charCodeAt(0)) : part,
      ),
    );

  it('recognises the formats herogen writes', () => {
    expect(sniffFormat(bytes([0xff, 0xd8, 0xff, 0xe0], [0, 0, 0, 0, 0, 0, 0, 0]))).toBe('jpeg');
    expect(sniffFormat(bytes([0x89], 'PNG', [13, 10, 26, 10, 0, 0, 0, 0]))).toBe('png');
    expect(sniffFormat(bytes('RIFF', [1, 2, 3, 4], 'WEBP'))).toBe('webp');
    expect(sniffFormat(bytes([0, 0, 0, 28], 'ftyp', 'avif'))).toBe('avif');
  });

  it('rejects garbage and short heads', () => {
    expect(sniffFormat(bytes('hello world!'))).toBeUndefined();
    expect(sniffFormat(bytes([0xff, 0xd8]))).toBeUndefined();
  });
});
