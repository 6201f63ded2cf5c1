import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attr,
  copySite,
  type DevServer,
  removeSite,
  startDevServer,
  waitFor,
} from './fixtures/astro-support/harness.js';

const heroSrc = (html: string) => html.match(/<img src="([^"]+)"/)?.[1]?.replaceAll('&#38;', '&');

describe('astro dev', () => {
  let mock: MockApi;
  let server: DevServer;
  let root: string;
  let base: string;

  beforeAll(async () => {
    mock = await createMockApi({ latencyMs: 300 });
    root = await copySite('astro-basic');
    ({ server, base } = await startDevServer(root, {
      apiKey: 'sk-test-herogen-astro-dev',
      baseURL: mock.openaiBaseURL,
      logLevel: 'warn',
    }));
  });
  afterAll(async () => {
    await server?.stop();
    await mock?.close();
    await removeSite(root);
  });

  const page = async (route: string) => {
    const response = await fetch(`${base}${route}`);
    return response.ok ? response.text() : `status ${response.status}`;
  };

  it('never pays on start or page load: heroes start as offline placeholders', async () => {
    const html = await page('/blog/beta/');
    expect(attr(html, 'data-placeholder')).toBe('true');
    await page('/');
    expect(mock.paidCalls()).toBe(0);
  });

  it('an edited prompt shows a placeholder, then its real image, without a restart', async () => {
    // The generation is held back (slow headers), so the stand-in is there to be seen first.
    mock.setFaults([
      { prompt: 'misty river', times: 1, fault: { type: 'slowHeaders', delayMs: 3000 } },
    ]);
    const file = path.join(root, 'src/content/blog/beta.md');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        'A blue boat on a calm lake',
        'A green canoe on a misty river',
      ),
    );

    const prompt = 'A green canoe on a misty river';
    await waitFor(
      () => page('/blog/beta/'),
      (text) => attr(text, 'data-prompt') === prompt && attr(text, 'data-placeholder') === 'true',
    );
    const html = await waitFor(
      () => page('/blog/beta/'),
      (text) => attr(text, 'data-prompt') === prompt && attr(text, 'data-placeholder') === 'false',
    );
    expect(mock.paidCalls()).toBe(1);
    expect(mock.requests.filter((r) => r.billed).map((r) => r.prompt)).toEqual([
      'A green canoe on a misty river',
    ]);

    // The served image is the generated one, and the browser is told not to keep the placeholder.
    const src = heroSrc(html);
    expect(src).toMatch(/^\/_image\?/);
    const response = await fetch(`${base}${src}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const served = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
    const entry = Object.values(lock.images).find(
      (image) => (image as { prompt: string }).prompt === 'A green canoe on a misty river',
    ) as { width: number; placeholder?: boolean; file: string };
    expect(entry.placeholder).not.toBe(true);
    expect(decodeURIComponent(src!)).toContain(entry.file);
    expect(served.width).toBe(entry.width);
  });

  it('a new post gets its image without a restart', async () => {
    await writeFile(
      path.join(root, 'src/content/blog/delta.md'),
      [
        '---',
        'title: Delta',
        'hero:',
        '  prompt: An orange hot air balloon over a canyon',
        '  alt: A balloon',
        '---',
        '',
        'Delta.',
        '',
      ].join('\n'),
    );
    await waitFor(
      () => page('/blog/delta/'),
      (text) => attr(text, 'data-placeholder') === 'false',
    );
    expect(mock.paidCalls()).toBe(2);
  });
});
