import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, loadedImages } from './fixtures/astro-support/browser.js';
import { buildSite, copySite, removeSite, repoRoot } from './fixtures/astro-support/harness.js';
import { serveStatic } from './fixtures/astro-support/static-server.js';

const shots = path.join(repoRoot, 'test/.tmp/screenshots');

// The astro-blog example, built from scratch with the offline provider, in a real browser.
describe.skipIf(!chromiumPath)('the astro-blog example in Chromium', () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Browser;
  let root: string | undefined;
  const saved = { openai: process.env.OPENAI_API_KEY, hiapi: process.env.HIAPI_API_KEY };

  beforeAll(async () => {
    delete process.env.OPENAI_API_KEY;
    delete process.env.HIAPI_API_KEY;
    root = await copySite(path.join(repoRoot, 'examples/astro-blog'), 'astro-blog');
    const { error } = await buildSite(root, { useConfigFile: true });
    if (error) throw error;
    server = await serveStatic(path.join(root, 'dist'));
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await removeSite(root);
    if (saved.openai !== undefined) process.env.OPENAI_API_KEY = saved.openai;
    if (saved.hiapi !== undefined) process.env.HIAPI_API_KEY = saved.hiapi;
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`index (${scheme}): every card image loads`, async () => {
      const page = await browser.newPage({
        viewport: { width: 1280, height: 900 },
        colorScheme: scheme,
      });
      await page.goto(`${server.url}/`);
      const images = await loadedImages(page, '.card img');
      expect(images.length).toBeGreaterThanOrEqual(9);
      for (const image of images) expect(image.naturalWidth, image.src).toBeGreaterThan(0);
      // The browser picked a modern format from <picture>.
      expect(images.every((image) => /\.(avif|webp)$/.test(image.src))).toBe(true);
      const file = path.join(shots, `blog-index-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect((await stat(file)).size).toBeGreaterThan(10_000);
      await page.close();
    });
  }

  it('a post: hero, caption and Open Graph tags', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/blog/notes/split-keyboard/`);
    const [hero] = await loadedImages(page, '.post-hero img');
    expect(hero?.naturalWidth).toBeGreaterThan(0);
    const og = await page.getAttribute('meta[property="og:image"]', 'content');
    expect(og).toMatch(/^https:\/\/herogen-blog\.example\/_astro\/.+\.jpg$/);
    const ogPath = new URL(og!).pathname;
    const dims = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, ogPath);
    expect(dims).toEqual([1200, 630]);
    const file = path.join(shots, 'blog-post.png');
    await page.screenshot({ path: file, fullPage: true });
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
