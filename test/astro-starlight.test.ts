import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, loadedImages } from './fixtures/astro-support/browser.js';
import {
  buildSite,
  copySite,
  imageUrls,
  readText,
  removeSite,
  repoRoot,
} from './fixtures/astro-support/harness.js';
import { serveStatic } from './fixtures/astro-support/static-server.js';

// The starlight-docs example, built from scratch with the offline provider: herogen reads
// `cover`, and Starlight's own `hero` (splash page) is left to Starlight.
describe('the starlight-docs example', () => {
  let root: string;
  const saved = { openai: process.env.OPENAI_API_KEY, hiapi: process.env.HIAPI_API_KEY };

  beforeAll(async () => {
    delete process.env.OPENAI_API_KEY;
    delete process.env.HIAPI_API_KEY;
    root = await copySite(path.join(repoRoot, 'examples/starlight-docs'), 'starlight-docs');
    const { error } = await buildSite(root, { useConfigFile: true });
    if (error) throw error;
  });
  afterAll(async () => {
    await removeSite(root);
    if (saved.openai !== undefined) process.env.OPENAI_API_KEY = saved.openai;
    if (saved.hiapi !== undefined) process.env.HIAPI_API_KEY = saved.hiapi;
  });

  const page = (route: string) => readText(path.join(root, 'dist', route, 'index.html'));

  it('gives each page with a cover prompt an optimized picture above its title', async () => {
    const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
    expect(Object.keys(lock.images)).toHaveLength(3);
    for (const route of ['getting-started', 'guides/dive-schedule', 'guides/sensors']) {
      const html = await page(route);
      expect(html, route).toMatch(
        /<picture[^>]*><source srcset="\/_astro\/[^"]+" type="image\/avif"/,
      );
      expect(html.indexOf('<picture'), route).toBeLessThan(html.indexOf('<h1'));
    }
    const plain = imageUrls(await page('guides/data-access'));
    expect(plain.filter((url) => /\.(avif|webp|jpe?g|png)$/.test(url))).toEqual([]);
  });

  it("leaves Starlight's own hero on the splash page alone", async () => {
    const html = await page('');
    expect(html).toMatch(/<img src="\/_astro\/lanternfish\.[^"]+\.svg"/);
    expect(html).toContain('Sensors, dives and open data');
    expect(html).not.toContain('<picture');
  });

  describe.skipIf(!chromiumPath)('in Chromium', () => {
    it('loads the cover image', async () => {
      const server = await serveStatic(path.join(root, 'dist'));
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await tab.goto(`${server.url}/getting-started/`);
        const [cover] = await loadedImages(tab, 'picture img');
        expect(cover?.naturalWidth).toBeGreaterThan(0);
        const shots = path.join(repoRoot, 'test/.tmp/screenshots');
        await mkdir(shots, { recursive: true });
        await tab.screenshot({ path: path.join(shots, 'starlight-page.png') });
        expect((await stat(path.join(shots, 'starlight-page.png'))).size).toBeGreaterThan(10_000);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  });
});
