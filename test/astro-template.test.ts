import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  copySite,
  imageUrls,
  readText,
  removeSite,
} from './fixtures/astro-support/harness.js';

// The blog template's schema (`heroImage: z.optional(image())`) and layout, unchanged: only
// the loader is wrapped and the field is named in the config in image mode.
describe('zero schema change on the blog template shape', () => {
  let root: string;
  let output: string;

  beforeAll(async () => {
    root = await copySite('astro-template');
    // git keeps no empty folders: a fresh clone has no src/assets until something is put there.
    await mkdir(path.join(root, 'src/assets'), { recursive: true });
    await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#3b6f8f' } })
      .png()
      .toFile(path.join(root, 'src/assets/own-cover.png'));
    const result = await buildSite(root, {
      herogen: { field: { heroImage: 'image' }, env: {} },
    });
    if (result.error) throw result.error;
    output = result.output;
  });

  afterAll(() => removeSite(root));

  const page = (slug: string) => readText(path.join(root, 'dist/blog', slug, 'index.html'));

  it('renders a prompt in heroImage through the untouched layout as an optimized image', async () => {
    const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
    const [key] = Object.entries(lock.images).find(
      ([, entry]) =>
        (entry as { prompt: string }).prompt ===
        'A paper boat on a puddle reflecting a city skyline',
    ) ?? [undefined];
    expect(key).toBeDefined();

    const html = await page('generated');
    const urls = imageUrls(html).filter((url) => url.startsWith('/_astro/'));
    expect(urls).toHaveLength(1);
    expect(urls[0]).toContain(key!.slice(0, 12));
    const meta = await sharp(path.join(root, 'dist', urls[0]!)).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([1020, 510, 'webp']);
    expect(output).toMatch(/offline placeholder art/);
  });

  it('says once that the schema drops the alt text it was given, and how to keep it', () => {
    const warning =
      'the schema of collection "blog" has no `heroImageAlt`, so the alt text of heroImage is dropped; add `heroImageAlt: z.string().optional()` to it and render `alt={heroImageAlt}` in your layout';
    expect(output.split(warning)).toHaveLength(2);
  });

  it('leaves an author image path and a post without image exactly as the template would', async () => {
    const own = imageUrls(await page('own-image')).filter((url) => url.startsWith('/_astro/'));
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^\/_astro\/own-cover\./);
    expect(imageUrls(await page('no-image'))).toEqual([]);
  });
});
