import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCacheDir } from '../src/derive/cache.js';
import { createDeriver, getDeriver } from '../src/derive/deriver.js';
import type { DeriveOptions } from '../src/derive/types.js';
import { TRAINED_ALGORITHMIC_MEDIA } from '../src/derive/xmp.js';
import { HerogenError } from '../src/errors.js';

// Small, fast settings; defaults are covered by the plan tests.
const FAST: DeriveOptions = { widths: [160, 320, 960], avifEffort: 0 };

let root: string;
let original: string;

/** A 640×360 mostly-red PNG with a blue block, so dominant colour and crops are checkable. */
async function makeOriginal(path: string): Promise<void> {
  await sharp({ create: { width: 640, height: 360, channels: 3, background: '#c0392b' } })
    .composite([
      {
        input: await sharp({
          create: { width: 120, height: 120, channels: 3, background: '#2255cc' },
        })
          .png()
          .toBuffer(),
        left: 450,
        top: 200,
      },
    ])
    .withMetadata({ exif: { IFD0: { Artist: 'should be stripped' } } })
    .png()
    .toFile(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-derive-'));
  original = join(root, 'original.png');
  await makeOriginal(original);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function freshCache(name: string) {
  return createDeriver({ cacheDir: join(root, 'cache', name), concurrency: 2 });
}

describe('deriver.derive', () => {
  it('makes every width × format without upscaling, each file decoding as stated', async () => {
    const deriver = freshCache('widths');
    const set = await deriver.derive(original, FAST);
    expect(set.original).toMatchObject({ width: 640, height: 360, format: 'png' });
    expect(set.original.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(set.images.map((i) => `${i.format}@${i.width}`)).toEqual([
      'avif@160',
      'avif@320',
      'avif@640',
      'webp@160',
      'webp@320',
      'webp@640',
      'jpeg@160',
      'jpeg@320',
      'jpeg@640',
    ]);
    for (const image of set.images) {
      const bytes = await readFile(image.path);
      expect(bytes.length).toBe(image.bytes);
      const meta = await sharp(bytes).metadata();
      expect(meta.width).toBe(image.width);
      expect(meta.height).toBe(image.height);
      expect(meta.width).toBeLessThanOrEqual(640);
      expect(meta.format).toBe(image.format === 'avif' ? 'heif' : image.format);
      if (image.format === 'avif') expect(meta.compression).toBe('av1');
      expect(meta.height).toBe(Math.round((360 * image.width) / 640));
      // Metadata stripped by default.
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
    }
    expect(set.images.every((i) => i.path.startsWith(deriver.cacheDir))).toBe(true);
  });

  it('gives a small placeholder data URI that decodes, the dominant colour and a 1200×630 OG', async () => {
    const set = await freshCache('extras').derive(original, { ...FAST, formats: ['webp'] });
    expect(set.placeholder).toMatch(/^data:image\/webp;base64,[A-Za-z0-9+/=]+$/);
    expect(set.placeholder.length).toBeLessThan(1024);
    const tiny = Buffer.from(set.placeholder.split(',')[1] ?? '', 'base64');
    const meta = await sharp(tiny).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(16);
    expect(meta.height).toBe(9);

    expect(set.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(set.dominantColor.slice(i, i + 2), 16));
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(100);
    expect(b).toBeLessThan(100);

    expect(set.og).toMatchObject({ width: 1200, height: 630, format: 'jpeg' });
    const og = await sharp(set.og.path).metadata();
    expect([og.width, og.height, og.format]).toEqual([1200, 630, 'jpeg']);
  });

  it('tags derivatives as AI-generated in XMP when asked', async () => {
    const set = await freshCache('tagged').derive(original, {
      ...FAST,
      widths: [160],
      tagAiGenerated: true,
    });
    for (const image of [...set.images, set.og]) {
      const meta = await sharp(image.path).metadata();
      expect(meta.xmp?.toString('utf8'), image.format).toContain(TRAINED_ALGORITHMIC_MEDIA);
      expect(meta.exif).toBeUndefined();
    }
  });

  it('a warm call in a new process re-encodes nothing', async () => {
    const cacheDir = join(root, 'cache', 'warm');
    const cold = createDeriver({ cacheDir });
    const first = await cold.derive(original, FAST);
    // 9 variants + OG + the analysis (placeholder) pass.
    expect(cold.counters).toMatchObject({ encoded: 11, cacheHits: 0 });

    const warm = createDeriver({ cacheDir });
    const second = await warm.derive(original, FAST);
    expect(warm.counters).toEqual({ encoded: 0, cacheHits: 10, rebuilt: 0 });
    expect(second).toEqual(first);

    // Same deriver again: still nothing encoded.
    await warm.derive(original, FAST);
    expect(warm.counters.encoded).toBe(0);
  });

  it('shares the cache between a path and the same bytes', async () => {
    const cacheDir = join(root, 'cache', 'bytes');
    await createDeriver({ cacheDir }).derive(original, FAST);
    const fromBytes = createDeriver({ cacheDir });
    const set = await fromBytes.derive(await readFile(original), FAST);
    expect(fromBytes.counters.encoded).toBe(0);
    expect(set.images).toHaveLength(9);
  });

  it('only encodes what an option change affects', async () => {
    const cacheDir = join(root, 'cache', 'partial');
    await createDeriver({ cacheDir }).derive(original, FAST);
    const again = createDeriver({ cacheDir });
    await again.derive(original, { ...FAST, quality: { webp: 50 } });
    expect(again.counters).toMatchObject({ encoded: 3, cacheHits: 7 });
  });

  it('detects damaged cache entries and rebuilds them instead of serving them', async () => {
    const cacheDir = join(root, 'cache', 'corrupt');
    const first = await createDeriver({ cacheDir }).derive(original, FAST);
    const [truncated, garbage] = [first.images[1], first.images[7]];
    if (!truncated || !garbage) throw new Error('fixture');
    await truncate(truncated.path, Math.floor(truncated.bytes / 2));
    await writeFile(garbage.path, Buffer.alloc(garbage.bytes, 7)); // right size, wrong bytes
    await rm(first.og.path);

    const deriver = createDeriver({ cacheDir });
    const second = await deriver.derive(original, FAST);
    expect(deriver.counters).toEqual({ encoded: 3, cacheHits: 7, rebuilt: 2 });
    for (const image of [second.images[1], second.images[7], second.og]) {
      if (!image) throw new Error('missing');
      const meta = await sharp(image.path).metadata();
      expect(meta.width).toBe(image.width);
      expect((await readFile(image.path)).length).toBe(image.bytes);
    }
  });

  it('rebuilds from scratch when the manifest sidecar is unreadable', async () => {
    const cacheDir = join(root, 'cache', 'manifest');
    const first = await createDeriver({ cacheDir }).derive(original, FAST);
    await writeFile(join(cacheDir, first.original.sha256, 'manifest.json'), '{"version":');
    const deriver = createDeriver({ cacheDir });
    const second = await deriver.derive(original, FAST);
    expect(deriver.counters.encoded).toBe(11);
    expect(second.images.map((i) => i.path)).toEqual(first.images.map((i) => i.path));
    // And the rewritten manifest makes the next run warm again.
    const third = createDeriver({ cacheDir });
    await third.derive(original, FAST);
    expect(third.counters.encoded).toBe(0);
  });

  it('encodes a derivative requested twice at once only once', async () => {
    const deriver = createDeriver({ cacheDir: join(root, 'cache', 'dedupe'), concurrency: 1 });
    const [a, b, c] = await Promise.all([
      deriver.derive(original, FAST),
      deriver.derive(original, FAST),
      deriver.derive(await readFile(original), FAST),
    ]);
    expect(deriver.counters.encoded).toBe(11);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const files = await readdir(join(deriver.cacheDir, a.original.sha256));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(11); // 10 images + manifest.json
  });
});

describe('deriver.plan and ensure', () => {
  it('describes the set without encoding, then encodes one file on demand', async () => {
    const deriver = freshCache('lazy');
    const planned = await deriver.plan(original, FAST);
    expect(deriver.counters.encoded).toBe(1); // the placeholder pass only
    expect(planned.images.every((i) => i.bytes === 0)).toBe(true);
    expect(planned.placeholder).toMatch(/^data:image\/webp;base64,/);
    const target = planned.images[4];
    if (!target) throw new Error('fixture');
    const image = await deriver.ensure(target.path);
    expect(image).toMatchObject({ width: 320, height: 180, format: 'webp' });
    expect(deriver.counters.encoded).toBe(2);
    const meta = await sharp(target.path).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([320, 180, 'webp']);
    expect(await deriver.ensure(join(root, 'not-planned.webp'))).toBeUndefined();

    // A later full derive reuses what ensure wrote.
    const full = await deriver.derive(original, FAST);
    expect(full.images[4]?.bytes).toBe(image?.bytes);
    expect(deriver.counters.encoded).toBe(11);
  });
});

describe('errors and shared derivers', () => {
  it('names a missing original', async () => {
    const error = await freshCache('missing')
      .derive(join(root, 'nope.png'), FAST)
      .catch((e: unknown) => e);
    expect(HerogenError.is(error) && error.code).toBe('STORE_IO');
    expect((error as Error).message).toContain('nope.png');
  });

  it('reports an original that is not an image', async () => {
    const bad = join(root, 'bad.png');
    await writeFile(bad, 'not an image at all');
    const error = await freshCache('bad')
      .derive(bad, FAST)
      .catch((e: unknown) => e);
    expect(HerogenError.is(error) && error.code).toBe('IMAGE_INVALID');
    expect((error as Error).message).toContain('bad.png');
  });

  it('shares one deriver per cache directory, under node_modules/.cache/herogen', () => {
    const a = getDeriver({ root });
    expect(getDeriver({ root })).toBe(a);
    expect(a.cacheDir).toBe(resolveCacheDir(root));
    expect(a.cacheDir).toBe(join(root, 'node_modules', '.cache', 'herogen', 'derive'));
  });
});
