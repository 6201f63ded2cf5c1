import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MockApi } from '@herogen/mock-api';
import { dev } from 'astro';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './fixtures/astro-support/browser.js';
import { repoRoot } from './fixtures/astro-support/harness.js';
import {
  candidateSha,
  confirmAction,
  heroCard,
  postFrom,
  prepareReviewSite,
  type ReviewSite,
  readLockJson,
} from './fixtures/review-support.js';
import { waitFor } from './fixtures/vite-support/wait.js';

const POST = 'src/content/blog/notes/split-keyboard.md';
const POST_URL = '/blog/notes/split-keyboard/';
/** A post whose prompt is new when the dev server starts: a placeholder on its page. */
const NEW_POST = 'src/content/blog/first-light.md';
const shots = path.join(repoRoot, 'test/.tmp/screenshots');

// One `astro dev` of examples/astro-blog against the mock API, driven in Chromium through the
// herogen dev toolbar app.
describe.skipIf(!chromiumPath)('the Astro review toolbar app in Chromium', () => {
  let site: ReviewSite;
  let root: string;
  let mock: MockApi;
  let server: Awaited<ReturnType<typeof dev>>;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let key: string;
  let prompt: string;
  let source: string;
  const errors: string[] = [];

  beforeAll(async () => {
    site = await prepareReviewSite('astro-blog', POST);
    ({ root, mock, key, prompt, source } = site);
    const other = await readFile(path.join(root, NEW_POST), 'utf8');
    await writeFile(
      path.join(root, NEW_POST),
      other.replace(/^ {2}prompt: (.*)$/m, '  prompt: $1, seen from a hill'),
    );
    // Astro skips its page middleware when it thinks it runs inside Vitest's own Vite server.
    const vitest = process.env.VITEST;
    delete process.env.VITEST;
    try {
      server = await dev({
        root,
        logLevel: 'error',
        cacheDir: path.join(root, '.astro-cache'),
        server: { host: '127.0.0.1', port: 0 },
      });
    } finally {
      process.env.VITEST = vitest;
    }
    origin = `http://127.0.0.1:${server.address.port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (error) => errors.push(error.message));

    await mkdir(shots, { recursive: true });
  });

  afterEach(() => {
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await site?.cleanup();
  });

  const toolbarButton = () => page.locator('astro-dev-toolbar button[data-app-id="herogen"]');
  const app = (): Locator => page.locator('astro-dev-toolbar-app-canvas[data-app-id="herogen"]');

  /** The post's hero as the browser shows it: a digest of the bytes it decoded. */
  const heroBytes = () =>
    page.locator('.post-hero img').evaluate(async (img: HTMLImageElement) => {
      const bytes = await (await fetch(img.currentSrc, { cache: 'no-store' })).arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });

  const openApp = async () => {
    await toolbarButton().click({ force: true });
    await heroCard(app(), key).waitFor();
  };

  /** Mark the page, so that a reload (which drops the mark) can be told apart. */
  const markPage = () =>
    page.evaluate(() => {
      (window as unknown as { hgMark: boolean }).hgMark = true;
    });

  /** After an action the page reloads, shows the new image, and the app opens itself again. */
  const afterReload = async (before: string) => {
    await page.waitForFunction(() => !(window as unknown as { hgMark?: boolean }).hgMark);
    await heroCard(app(), key).waitFor();
    await waitFor(
      async () => ((await heroBytes().catch(() => before)) !== before ? true : undefined),
      'the new image on the page',
      30_000,
    );
  };

  it('a page load with the app closed pays nothing; a placeholder page marks the icon', async () => {
    await page.goto(`${origin}/blog/first-light/`);
    await toolbarButton().waitFor({ state: 'attached' });
    await page
      .locator('astro-dev-toolbar button[data-app-id="herogen"] .notification[data-active]')
      .waitFor({ state: 'attached' });
    await page.goto(`${origin}${POST_URL}`);
    await page.locator('.post-hero img').waitFor();
    await page.waitForTimeout(500);
    expect(mock.paidCalls()).toBe(0);
  });

  it('shows the hero of the page with its details and the site counts', async () => {
    await openApp();
    const card = heroCard(app(), key);
    expect(await card.locator('[data-testid="hg-prompt"]').textContent()).toBe(prompt);
    expect(await card.locator('[data-testid="hg-model"]').textContent()).toBe(
      'openai / gpt-image-2',
    );
    expect(await card.locator('[data-testid="hg-status"]').textContent()).toBe('generated');
    expect(await card.locator('[data-testid="hg-request-id"]').textContent()).toMatch(/^req_/);
    expect(await card.locator('[data-testid="hg-sources"]').textContent()).toBe(POST);
    // Only this page's hero, and the whole site's counts.
    expect(await app().locator('[data-testid="hg-hero"]').count()).toBe(1);
    expect(await app().locator('[data-testid="hg-counts"]').textContent()).toMatch(
      /site: 8 heroes · 7 cached · 1 placeholder · 0 missing · 0 failed · \$\d/,
    );
    await card
      .locator('[data-testid="hg-regenerate"]')
      .filter({ hasText: /1 paid call/ })
      .waitFor();
    await page.screenshot({ path: path.join(shots, 'review-app.png') });
    expect(mock.paidCalls()).toBe(0);
  });

  it('regenerate: a double-clicked confirmation is one paid call; new image, old in history', async () => {
    const before = await heroBytes();
    await markPage();
    const shaBefore = (await readLockJson(root!)).images[key]!.sha256;
    const { confirm } = await confirmAction(
      app(),
      heroCard(app(), key).locator('[data-testid="hg-regenerate"]'),
      { message: /new take stored|.+/ },
    );
    expect(confirm).toMatch(/1 paid call, ~?\$0\.\d+/);
    await afterReload(before);
    expect(mock.paidCalls()).toBe(1);
    const lock = await readLockJson(root!);
    expect(lock.history?.[key]?.map((take) => take.sha256)).toEqual([shaBefore]);
    await heroCard(app(), key).locator('[data-testid="hg-history"] figure').first().waitFor();
  });

  it('variants ×3 side by side, then pick the second: 3 paid calls, the pick on the page', async () => {
    const card = heroCard(app(), key);
    await confirmAction(app(), card.locator('[data-testid="hg-variants"]'), {
      before: /3 paid calls/,
      message: /3 candidates ready/,
    });
    expect(mock.paidCalls()).toBe(4);
    const grid = heroCard(app(), key).locator('[data-testid="hg-candidates"]');
    expect(await grid.locator('figure').count()).toBe(3);
    await grid.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'review-variants.png') });
    const before = await heroBytes();
    await markPage();
    await confirmAction(app(), grid.locator('[data-testid="hg-pick"][data-n="2"]'), {
      message: /.+/,
    });
    await afterReload(before);
    const lock = await readLockJson(root!);
    expect(lock.images[key]!.sha256).toBe(candidateSha(lock, 2, prompt));
    expect(mock.paidCalls()).toBe(4);
  });

  it('restore an earlier take: free, and the page shows it again', async () => {
    const first = (await readLockJson(root!)).history![key]![0]!;
    const before = await heroBytes();
    await markPage();
    const button = heroCard(app(), key).locator(
      `[data-testid="hg-restore-take"][data-file="${first.file}"] [data-testid="hg-restore"]`,
    );
    await confirmAction(app(), button, { message: /.+/ });
    await afterReload(before);
    expect((await readLockJson(root!)).images[key]!.sha256).toBe(first.sha256);
    expect(mock.paidCalls()).toBe(4);
  });

  it('edit the alt text: the file changes in that field only, the page shows it', async () => {
    const card = heroCard(app(), key);
    const alt = 'A split keyboard, tented, on a walnut desk';
    await card.locator('[data-testid="hg-alt-input"]').fill(alt);
    await card.locator('[data-testid="hg-alt-save"]').click();
    expect(
      await waitFor(async () => {
        const text = await readFile(path.join(root!, POST), 'utf8');
        return text !== source ? text : undefined;
      }, 'the alt written'),
    ).toBe(source.replace(/^ {2}alt: .*$/m, `  alt: ${alt}`));
    await waitFor(
      async () =>
        (await page
          .locator('.post-hero img')
          .getAttribute('alt')
          .catch(() => '')) === alt
          ? true
          : undefined,
      'the new alt on the page',
    );
    expect(mock.paidCalls()).toBe(4);
  });

  it('refuses a cross-origin POST and one without the token', async () => {
    const run = `${origin}/__herogen/review/run`;
    const body = { action: 'regenerate', key };
    expect(await postFrom(run, { origin: 'http://evil.example' }, body)).toBe(403);
    expect(await postFrom(run, { origin }, body)).toBe(403);
    expect(mock.paidCalls()).toBe(4);
  });
});
