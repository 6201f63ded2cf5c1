import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { MockApi } from '@herogen/mock-api';
import type { Browser, Page } from 'playwright-core';
import { build, createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './fixtures/astro-support/browser.js';
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

const POST = 'posts/lighthouse.md';

// One `vite` dev server of examples/vite-basic against the mock API; the review page in one tab,
// the post in another.
describe.skipIf(!chromiumPath)('the Vite review page in Chromium', () => {
  let site: ReviewSite;
  let root: string;
  let mock: MockApi;
  let server: ViteDevServer;
  let browser: Browser;
  let origin: string;
  let review: Page;
  let post: Page;
  let key: string;
  let prompt: string;
  let source: string;
  const errors: string[] = [];

  beforeAll(async () => {
    site = await prepareReviewSite('vite-basic', POST);
    ({ root, mock, key, prompt, source } = site);
    server = await createServer({
      root,
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    await server.listen();
    origin = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    post = await context.newPage();
    review = await context.newPage();
    // A script error in the review UI fails the test with its message, not as a timeout.
    review.on('pageerror', (error) => errors.push(error.message));
  });

  afterEach(() => {
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.cleanup();
  });

  /** The post's hero as the browser shows it (the URL names the original's bytes). */
  const postImage = () =>
    post.locator('.post__hero img').evaluate((img: HTMLImageElement) => img.currentSrc);

  it('a page load and opening the review page make no paid call', async () => {
    await post.goto(`${origin}/post.html?p=lighthouse`);
    await post.locator('.post__hero img').waitFor();
    await review.goto(`${origin}/@herogen/`);
    const card = heroCard(review, key);
    await card.waitFor();
    expect(await card.locator('[data-testid="hg-prompt"]').textContent()).toBe(prompt);
    expect(await card.locator('[data-testid="hg-model"]').textContent()).toBe(
      'openai / gpt-image-2',
    );
    expect(await card.locator('[data-testid="hg-request-id"]').textContent()).toBeTruthy();
    expect(await card.locator('[data-testid="hg-status"]').textContent()).toBe('generated');
    expect(await review.locator('[data-testid="hg-counts"]').textContent()).toMatch(
      /site: 5 heroes · 5 cached · 0 placeholder · 0 missing · 0 failed · \$\d/,
    );
    await card
      .locator('[data-testid="hg-regenerate"]')
      .filter({ hasText: /paid call/ })
      .waitFor();
    expect(mock.paidCalls()).toBe(0);
  });

  it('regenerate: one paid call for a double click, the new image on the post, the old in history', async () => {
    const before = await postImage();
    const shaBefore = (await readLockJson(root!)).images[key]!.sha256;
    const card = heroCard(review, key);
    const { confirm } = await confirmAction(review, card.locator('[data-testid="hg-regenerate"]'), {
      message: /new take stored/,
    });
    expect(confirm).toMatch(/1 paid call, ~?\$0\.\d+/);
    expect(mock.paidCalls()).toBe(1);
    const lock = await readLockJson(root!);
    expect(lock.images[key]!.sha256).not.toBe(shaBefore);
    expect(lock.history?.[key]?.map((take) => take.sha256)).toEqual([shaBefore]);
    await waitFor(async () => ((await postImage()) !== before ? true : undefined), 'new image');
    await heroCard(review, key).locator('[data-testid="hg-history"] figure').first().waitFor();
  });

  it('variants ×3 side by side, then pick the second: 3 paid calls, the pick on the post', async () => {
    const before = await postImage();
    const card = heroCard(review, key);
    const { confirm } = await confirmAction(review, card.locator('[data-testid="hg-variants"]'), {
      before: /3 paid calls/,
      message: /3 candidates ready/,
    });
    expect(confirm).toMatch(/3 paid calls/);
    expect(mock.paidCalls()).toBe(4);
    const grid = heroCard(review, key).locator('[data-testid="hg-candidates"] figure');
    expect(await grid.count()).toBe(3);
    await confirmAction(
      review,
      heroCard(review, key).locator('[data-testid="hg-pick"][data-n="2"]'),
      { message: /candidate 2 is the image/ },
    );
    expect(mock.paidCalls()).toBe(4);
    const lock = await readLockJson(root!);
    expect(lock.images[key]!.sha256).toBe(candidateSha(lock, 2, prompt));
    await waitFor(async () => ((await postImage()) !== before ? true : undefined), 'picked image');
  });

  it('restore an earlier take: free, and the post shows it again', async () => {
    const lock = await readLockJson(root!);
    const first = lock.history![key]![0]!;
    const before = await postImage();
    const take = heroCard(review, key).locator(
      `[data-testid="hg-restore-take"][data-file="${first.file}"] [data-testid="hg-restore"]`,
    );
    await confirmAction(review, take, { message: /restored/ });
    expect((await readLockJson(root!)).images[key]!.sha256).toBe(first.sha256);
    expect(mock.paidCalls()).toBe(4);
    await waitFor(async () => ((await postImage()) !== before ? true : undefined), 'restored');
  });

  it('edit the alt text: the file changes in that field only', async () => {
    const card = heroCard(review, key);
    await card
      .locator('[data-testid="hg-alt-input"]')
      .fill('A lighthouse lens, lit: brass and glass');
    await card.locator('[data-testid="hg-alt-save"]').click();
    await review
      .locator('[data-testid="hg-message"]')
      .filter({ hasText: /alt text of .* saved/ })
      .waitFor();
    const after = await readFile(path.join(root!, POST), 'utf8');
    expect(after).toBe(
      source.replace(/^ {2}alt: .*$/m, '  alt: "A lighthouse lens, lit: brass and glass"'),
    );
    await waitFor(
      async () =>
        (await post.locator('.post__hero img').getAttribute('alt')) ===
        'A lighthouse lens, lit: brass and glass'
          ? true
          : undefined,
      'the new alt on the post',
    );
    expect(mock.paidCalls()).toBe(4);
  });

  it('two posts sharing the image: each has its own alt field, and a save writes only its post', async () => {
    const twinPath = path.join(root!, 'posts/lighthouse-twin.md');
    const original = await readFile(path.join(root!, POST), 'utf8');
    const twin = original.replace(/^ {2}alt: .*$/m, '  alt: The twin');
    await writeFile(twinPath, twin);
    await review.reload();
    const card = heroCard(review, key);
    const field = (file: string) =>
      card.locator(`[data-testid="hg-alt-input"][data-file="${file}"]`);
    await field('posts/lighthouse-twin.md').waitFor();
    expect(await field('posts/lighthouse-twin.md').inputValue()).toBe('The twin');
    expect(await field(POST).inputValue()).toBe('A lighthouse lens, lit: brass and glass');
    await field('posts/lighthouse-twin.md').fill('The twin, at dusk');
    await card
      .locator('.alt')
      .filter({ has: review.locator('[data-file="posts/lighthouse-twin.md"]') })
      .locator('[data-testid="hg-alt-save"]')
      .click();
    await review
      .locator('[data-testid="hg-message"]')
      .filter({ hasText: /alt text of .*lighthouse-twin\.md.* saved/ })
      .waitFor();
    expect(await readFile(twinPath, 'utf8')).toBe(
      twin.replace('alt: The twin', 'alt: The twin, at dusk'),
    );
    expect(await readFile(path.join(root!, POST), 'utf8')).toBe(original);
    await rm(twinPath);
    expect(mock.paidCalls()).toBe(4);
  });

  it('refuses a cross-origin POST and one without the token', async () => {
    const html = await (await fetch(`${origin}/@herogen/`)).text();
    const token = /"token":"([^"]+)"/.exec(html)![1]!;
    const run = `${origin}/__herogen/review/run`;
    const body = { action: 'regenerate', key };
    expect(
      await postFrom(run, { origin: 'http://evil.example', 'x-herogen-token': token }, body),
    ).toBe(403);
    expect(await postFrom(run, { origin }, body)).toBe(403);
    // From another site in the browser: a plain form-like POST and a JSON fetch.
    const other: Server = createHttpServer((_req, res) => res.end('<p>elsewhere</p>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage();
    await page.goto(`http://localhost:${(other.address() as AddressInfo).port}/`);
    const results = await page.evaluate(
      async ({ run, token, body }) => {
        const simple = await fetch(run, {
          method: 'POST',
          mode: 'no-cors',
          body: JSON.stringify(body),
        })
          .then((r) => r.type)
          .catch(() => 'blocked');
        const json = await fetch(run, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-herogen-token': token },
          body: JSON.stringify(body),
        })
          .then((r) => r.status)
          .catch(() => 'blocked');
        return { simple, json };
      },
      { run, token, body },
    );
    // Vite's CORS middleware lets a localhost page's preflight through: the API itself refuses.
    expect([403, 'blocked']).toContain(results.json);
    expect(results.simple).toBe('opaque');
    await page.close();
    await new Promise((resolve) => other.close(resolve));
    expect(mock.paidCalls()).toBe(4);
  });

  it('vite build emits no trace of the review page', async () => {
    const outDir = path.join(root!, 'dist-review-check');
    await build({
      root: root!,
      configFile: path.join(root!, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir },
    });
    const files = await readdir(outDir, { recursive: true });
    const texts = await Promise.all(
      files
        .filter((file) => /\.(html|js|css)$/.test(String(file)))
        .map((file) => readFile(path.join(outDir, String(file)), 'utf8')),
    );
    expect(texts.length).toBeGreaterThan(2);
    for (const text of texts) {
      expect(text).not.toMatch(/__herogen|review-ui|mountReview|x-herogen-token|herogen review/);
    }
    expect(mock.paidCalls()).toBe(4);
  });
});
