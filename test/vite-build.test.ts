import { readdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuiltFixture,
  buildFixture,
  copyFixture,
  fileOfUrl,
  parseSrcset,
  removeDir,
} from './fixtures/vite-support/harness.js';

// 4000 is wider than any original: it must be dropped and the original width used instead.
const OPTIONS = { widths: [320, 640, 4000], avifEffort: 0, sizes: '50vw' };

interface LockFile {
  images: Record<string, { file: string; width: number; height: number; placeholder?: boolean }>;
}

async function readLockFile(root: string): Promise<LockFile> {
  return JSON.parse(await readFile(join(root, 'herogen.lock.json'), 'utf8')) as LockFile;
}

async function decode(path: string) {
  const meta = await sharp(path).metadata();
  return { width: meta.width, height: meta.height, format: meta.format };
}

describe('vite build with @herogen/vite', () => {
  let root: string;
  let cold: BuiltFixture;

  beforeAll(async () => {
    delete process.env.OPENAI_API_KEY;
    delete process.env.HIAPI_API_KEY;
    root = await copyFixture('vite-basic');
    cold = await buildFixture(root, OPTIONS, { base: '/blog/' });
  });

  afterAll(async () => {
    await removeDir(root);
  });

  it('generates every hero before rendering and logs one summary line', async () => {
    const summary = cold.lines.find((line) => line.includes('herogen: '));
    // The offline provider's art counts as placeholders, never as paid generations.
    expect(summary).toMatch(
      /herogen: 0 cached · 0 generated · 2 placeholders · 0 failed · \$0\.00/,
    );
    const lock = await readLockFile(root);
    expect(Object.keys(lock.images)).toHaveLength(2);
  });

  it('gives a ?hero import src, srcset and sources that point at emitted files', async () => {
    const { hero, outDir } = cold;
    const lock = await readLockFile(root);
    const original = Object.values(lock.images).find((entry) =>
      entry.file.endsWith(`${hero.key}.png`),
    );
    expect(original, 'lock entry of the hero').toBeDefined();
    const originalWidth = original?.width ?? 0;
    expect(originalWidth).toBeLessThan(4000);

    expect(hero).toMatchObject({
      alt: 'A red kite flying over hills',
      sizes: '50vw',
      format: 'jpeg',
    });
    expect(hero.file).toBe('posts/alpha.md');
    expect(hero.status).toBe('placeholder'); // offline art, no key
    expect(hero.src).toMatch(/^\/blog\/assets\/alpha-\d+w-[\w-]+\.jpg$/);

    const fallback = parseSrcset(hero.srcset);
    expect(fallback.map((c) => c.width)).toEqual([320, 640, originalWidth]);
    expect(fallback[fallback.length - 1]?.url).toBe(hero.src);
    expect(hero.sources.map((s) => s.type)).toEqual(['image/avif', 'image/webp']);

    const expected = { 'image/avif': 'heif', 'image/webp': 'webp', 'image/jpeg': 'jpeg' };
    const sets = [...hero.sources, { type: 'image/jpeg', srcset: hero.srcset }];
    for (const set of sets) {
      for (const candidate of parseSrcset(set.srcset)) {
        const file = fileOfUrl(outDir, candidate.url, '/blog/');
        const meta = await decode(file);
        expect(meta.format).toBe(expected[set.type as keyof typeof expected]);
        expect(meta.width).toBe(candidate.width);
        expect(meta.width).toBeLessThanOrEqual(originalWidth);
        expect(meta.height).toBe(
          Math.round(((original?.height ?? 0) * candidate.width) / originalWidth),
        );
      }
    }
    const src = await decode(fileOfUrl(outDir, hero.src, '/blog/'));
    expect([src.width, src.height]).toEqual([hero.width, hero.height]);
  });

  it('emits a 1200×630 OG crop and a placeholder that decodes', async () => {
    const { hero, outDir } = cold;
    expect(hero.og).toMatchObject({ width: 1200, height: 630 });
    const og = await decode(fileOfUrl(outDir, hero.og.src, '/blog/'));
    expect(og).toEqual({ width: 1200, height: 630, format: 'jpeg' });

    expect(hero.placeholder).toMatch(/^data:image\/webp;base64,/);
    const tiny = await sharp(
      Buffer.from(hero.placeholder.split(',')[1] ?? '', 'base64'),
    ).metadata();
    expect(tiny.format).toBe('webp');
    expect(tiny.width).toBe(16);
    expect(hero.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('exposes every hero from virtual:herogen keyed by content path', async () => {
    const { heroes, hero } = cold;
    // Node code after the bundle (VitePress transformHead) gets the same URLs as the pages.
    expect(await cold.plugin.api.heroes()).toEqual(heroes);
    expect(Object.keys(heroes)).toEqual(['posts/alpha.md', 'posts/beta.md']);
    expect(heroes['posts/alpha.md']).toEqual(hero);
    expect(heroes['posts/beta.md']?.alt).toBe(''); // decorative
    expect(heroes['posts/beta.md']?.key).not.toBe(hero.key);
  });

  it('api.heroes() during a transform of the build says the URLs are not known yet', async () => {
    const errors: unknown[] = [];
    await buildFixture(root, OPTIONS, {
      outDir: 'dist-early',
      plugins: (images) => [
        {
          name: 'early-reader',
          async transform(_code, id) {
            if (id.endsWith('entry.js'))
              await images.api.heroes().catch((e: unknown) => errors.push(e));
          },
        },
      ],
    });
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toContain(
      'before its browser bundle was generated',
    );
  });

  it('emits each derivative once, with hashed names', async () => {
    const files = await readdir(join(cold.outDir, 'assets'));
    const images = files.filter((f) => /\.(avif|webp|jpg)$/.test(f));
    // 2 heroes × (3 widths × 3 formats + OG)
    expect(images).toHaveLength(20);
    expect(images.every((f) => /^(alpha|beta)-(\d+w|og)-[\w-]{6,}\.(avif|webp|jpg)$/.test(f))).toBe(
      true,
    );
  });

  it('a warm build makes no generation and re-encodes zero images', async () => {
    const warm = await buildFixture(root, OPTIONS, { outDir: 'dist-warm', base: '/blog/' });
    expect(warm.plugin.api.getDeriver().counters).toMatchObject({ encoded: 0, rebuilt: 0 });
    expect(warm.plugin.api.getDeriver().counters.cacheHits).toBe(20);
    expect(warm.lines.find((line) => line.includes('herogen: '))).toMatch(
      /herogen: 2 cached · 0 generated · .*0 failed · \$0\.00/,
    );
    expect(warm.hero).toEqual(cold.hero);
  });

  it('rebuilds a damaged cache entry instead of shipping it', async () => {
    const deriveDir = join(root, 'node_modules', '.cache', 'herogen', 'derive');
    const [sha] = await readdir(deriveDir);
    const dir = join(deriveDir, sha ?? '');
    const victim = (await readdir(dir)).find((f) => f.endsWith('.webp'));
    if (!victim) throw new Error('no cached webp');
    await truncate(join(dir, victim), 10);

    const again = await buildFixture(root, OPTIONS, { outDir: 'dist-repair', base: '/blog/' });
    expect(again.plugin.api.getDeriver().counters).toMatchObject({ encoded: 1, rebuilt: 1 });
    for (const hero of Object.values(again.heroes)) {
      for (const source of hero.sources) {
        for (const candidate of parseSrcset(source.srcset)) {
          const meta = await decode(fileOfUrl(again.outDir, candidate.url, '/blog/'));
          expect(meta.width).toBe(candidate.width);
        }
      }
    }
  });

  it('fails with the file named when a ?hero import has no hero', async () => {
    const error = await buildFixture(root, OPTIONS, {
      entry: 'bad-entry.js',
      outDir: 'dist-bad',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain('posts/no-hero.md has no hero image');
  });
});
