import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, loadedImages } from './fixtures/astro-support/browser.js';
import { repoRoot } from './fixtures/astro-support/harness.js';
import { serveStatic } from './fixtures/astro-support/static-server.js';
import {
  buildExample,
  copyExample,
  PAGES,
  pictureUrls,
  readPage,
  removeExample,
  userEnv,
} from './fixtures/vitepress-support/harness.js';

// The vitepress-docs example (VitePress 1.6 on Vite 5), built with its own CLI and config:
// first offline as a visitor would see it without a key, then with a key against the mock API.

const API_KEY = 'sk-test-herogen-vitepress-7f3a91';
const SITE = 'https://tidewater.example';
const shots = path.join(repoRoot, 'test/.tmp/screenshots');

interface LockEntry {
  prompt: string;
  placeholder?: boolean;
}

/** The `<figure class="herogen-cover">…</figure>` of a built page, from the static HTML. */
function coverOf(html: string): string | undefined {
  return /<figure class="herogen-cover[^"]*"[^>]*>[\s\S]*?<\/figure>/.exec(html)?.[0];
}

describe('the vitepress-docs example', () => {
  let mock: MockApi;
  let root: string;
  let dist: string;
  /** Each page's cover in the offline build, to see it replaced once a key is set. */
  const offlineCovers = new Map<string, string | undefined>();
  const lock = async () =>
    Object.values(
      JSON.parse(await readFile(path.join(root, 'docs/herogen.lock.json'), 'utf8')).images,
    ) as LockEntry[];

  beforeAll(async () => {
    mock = await createMockApi();
    root = await copyExample();
    dist = path.join(root, 'docs/.vitepress/dist');
  });

  afterAll(async () => {
    await mock?.close();
    await removeExample(root);
  });

  it('offline (no key): builds with placeholder art and every cover in the static HTML', async () => {
    const output = await buildExample(root, userEnv());
    expect(output).toContain('7 images get offline placeholder art');
    expect((await lock()).map((entry) => entry.placeholder)).toEqual(PAGES.map(() => true));
    for (const page of PAGES) {
      const cover = coverOf(await readPage(root, page));
      expect(cover, `the cover of ${page} in its prerendered HTML`).toBeDefined();
      offlineCovers.set(page, cover);
      // Responsive, with the blurred placeholder and dominant colour behind it.
      expect(cover).toMatch(/<picture>[\s\S]*<source type="image\/avif" srcset="[^"]+ 480w, /);
      expect(cover).toContain('<source type="image/webp"');
      expect(cover).toMatch(/<img src="\/assets\/[^"]+\.jpg" srcset="[^"]+"/);
      expect(cover).toMatch(/background-color:#[0-9a-f]{6}/);
      expect(cover).toContain('background-image:url(&quot;data:image/webp;base64,');
    }
  });

  describe.skipIf(!chromiumPath)('offline build in Chromium', () => {
    let server: Awaited<ReturnType<typeof serveStatic>>;
    let browser: Browser;

    beforeAll(async () => {
      server = await serveStatic(dist);
      browser = await launchChromium();
      await mkdir(shots, { recursive: true });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    for (const [name, url, selector] of [
      ['home', '/', '.VPHero .herogen-cover img'],
      ['doc', '/guide/stations.html', '.VPDoc .herogen-cover img'],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        it(`${name} page (${scheme}): the cover loads, in a modern format, without errors`, async () => {
          const page = await browser.newPage({
            viewport: { width: 1280, height: 900 },
            colorScheme: scheme,
          });
          const errors: string[] = [];
          page.on('console', (message) => {
            if (message.type() === 'error') errors.push(message.text());
          });
          page.on('pageerror', (error) => errors.push(error.message));
          await page.goto(`${server.url}${url}`);
          const images = await loadedImages(page, selector);
          expect(images).toHaveLength(1);
          expect(images[0]!.naturalWidth).toBeGreaterThan(0);
          expect(images[0]!.src).toMatch(/\.(avif|webp)$/);
          // Laid out where it belongs, large enough to read as the page's image.
          const box = await page.locator(selector).boundingBox();
          expect(box?.width).toBeGreaterThanOrEqual(400);
          expect(box?.y).toBeLessThan(900);
          // Hydration matched the prerendered HTML (Vue logs mismatches as errors).
          expect(errors, errors.join('\n')).toEqual([]);
          const file = path.join(shots, `vitepress-${name}-${scheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          expect((await stat(file)).size).toBeGreaterThan(10_000);
          await page.close();
        });
      }
    }
  });

  it('with a key: one paid call per distinct prompt, and every image on the pages emitted', async () => {
    mock.reset();
    const output = await buildExample(
      root,
      userEnv({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: mock.openaiBaseURL }),
    );
    expect(mock.paidCalls()).toBe(7);
    const prompts = mock.requests.filter((r) => r.billed).map((r) => r.prompt);
    expect(new Set(prompts).size).toBe(7);
    // Each prompt's real image is stored (the offline art stays in the lock's history).
    const generated = (await lock()).filter((entry) => entry.placeholder !== true);
    expect(generated).toHaveLength(7);
    for (const entry of generated) {
      expect(prompts.filter((prompt) => prompt?.includes(entry.prompt))).toHaveLength(1);
    }
    expect(output).not.toContain(API_KEY);

    for (const page of PAGES) {
      const html = await readPage(root, page);
      expect(html).not.toContain(API_KEY);
      expect(coverOf(html), `${page} shows the generated image`).not.toBe(offlineCovers.get(page));
      const urls = pictureUrls(html);
      // 3 widths × 3 formats of the cover (VitePress's own pages have no other images).
      expect(urls.length, `images of ${page}`).toBe(9);
      for (const url of urls) {
        expect(url).toMatch(/^\/assets\//);
        expect((await stat(path.join(dist, url))).size, url).toBeGreaterThan(0);
      }
    }
  });

  it('every page has an og:image: the 1200×630 crop, absolute, emitted', async () => {
    const seen = new Set<string>();
    for (const page of PAGES) {
      const html = await readPage(root, page);
      const og = /<meta property="og:image" content="([^"]+)">/.exec(html)?.[1];
      expect(og, `og:image of ${page}`).toMatch(new RegExp(`^${SITE}/assets/.+-og\\..+\\.jpg$`));
      expect(html).toContain('<meta property="og:image:width" content="1200">');
      expect(html).toContain('<meta property="og:image:height" content="630">');
      const meta = await sharp(path.join(dist, new URL(og!).pathname)).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([1200, 630, 'jpeg']);
      seen.add(og!);
    }
    expect(seen.size).toBe(PAGES.length); // each page its own cover
  });

  it("the home page's hero shows its generated cover, prerendered", async () => {
    const home = await readPage(root, 'index.md');
    const spot = /<div class="image-container"[\s\S]*?<\/figure>/.exec(home)?.[0];
    expect(spot, "the cover inside VitePress's home hero image spot").toBeDefined();
    expect(spot).toContain('herogen-cover--home');
    expect(spot).toContain(
      'alt="A lighthouse on a headland at dawn above a wide beach at low tide"',
    );
    expect(spot).toContain('loading="eager"');
    // VitePress's own hero text is untouched by the `cover:` field.
    expect(home).toContain('Tide tables for your terminal');
  });

  it('a rebuild pays nothing and gives the same pages', async () => {
    const before = await readPage(root, 'guide/stations.md');
    mock.reset();
    await buildExample(
      root,
      userEnv({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: mock.openaiBaseURL }),
    );
    expect(mock.requests).toEqual([]);
    expect(coverOf(await readPage(root, 'guide/stations.md'))).toBe(coverOf(before));
  });
});
