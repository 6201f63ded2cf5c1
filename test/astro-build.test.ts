import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  copySite,
  imageUrls,
  listFiles,
  readText,
  removeSite,
} from './fixtures/astro-support/harness.js';

const attrOf = (html: string, name: string) => html.match(new RegExp(`${name}="([^"]*)"`))?.[1];

// A key that must never show up in the site, the logs or the lock.
const API_KEY = 'sk-test-herogen-astro-build-5d1c0e';
const NEW_BETA_PROMPT = 'A blue boat in a stormy harbour';

describe('astro build against the mock OpenAI API', () => {
  let mock: MockApi;
  let root: string;
  let env: Record<string, string>;
  const logs: string[] = [];

  beforeAll(async () => {
    mock = await createMockApi();
    root = await copySite('astro-basic');
    env = { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
  });
  afterAll(async () => {
    await mock?.close();
    await removeSite(root);
  });

  const page = (slug: string) => readText(path.join(root, 'dist', slug, 'index.html'));
  const generationPrompts = () =>
    mock.requests
      .filter((request) => request.route === 'openai.generations')
      .map((request) => request.prompt);

  it('cold: one paid call per distinct request, AVIF/WebP variants and a 1200×630 OG crop', async () => {
    const { output, error } = await buildSite(root, { herogen: { env } });
    logs.push(output);
    expect(error).toBeUndefined();
    // Three posts, two distinct prompts (alpha and notes/gamma share one).
    expect(mock.paidCalls()).toBe(2);
    expect(generationPrompts().sort()).toEqual([
      'A blue boat on a calm lake',
      'A red kite over green hills',
    ]);
    expect(output).toContain('0 cached · 2 generated · 0 failed · $');

    const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
    const entries = Object.values(lock.images) as {
      file: string;
      width: number;
      placeholder?: boolean;
    }[];
    expect(entries).toHaveLength(2);
    expect(entries.every((entry) => entry.placeholder !== true)).toBe(true);

    const alpha = await page('blog/alpha');
    expect(alpha).toMatch(/<picture>\s*<source srcset="[^"]+" type="image\/avif"/);
    expect(alpha).toContain('type="image/webp"');
    const urls = imageUrls(alpha).filter((url) => url.startsWith('/_astro/'));
    expect(urls.length).toBeGreaterThanOrEqual(5);
    const widths = new Set<number>();
    const formats = new Set<string>();
    for (const url of urls) {
      const meta = await sharp(path.join(root, 'dist', url)).metadata();
      formats.add(meta.format);
      widths.add(meta.width);
    }
    // AVIF decodes as heif; the <img> fallback is JPEG.
    expect([...formats].sort()).toEqual(['heif', 'jpeg', 'webp']);
    expect(widths).toContain(480);
    expect(widths).toContain(960);

    // The shared prompt is one original: alpha and gamma show the same optimized files.
    const gamma = await page('blog/notes/gamma');
    expect(
      imageUrls(gamma)
        .filter((url) => url.startsWith('/_astro/'))
        .sort(),
    ).toEqual(urls.sort());

    const og = alpha.match(
      /<meta property="og:image" content="https:\/\/fixture\.example(\/_astro\/[^"]+)"/,
    )?.[1];
    expect(og).toBeDefined();
    const ogMeta = await sharp(path.join(root, 'dist', og!)).metadata();
    expect([ogMeta.width, ogMeta.height, ogMeta.format]).toEqual([1200, 630, 'jpeg']);
  });

  it('warm: a second build makes no call and reports everything cached', async () => {
    mock.reset();
    const { output, error } = await buildSite(root, { herogen: { env } });
    logs.push(output);
    expect(error).toBeUndefined();
    expect(mock.requests).toHaveLength(0);
    expect(output).toContain('2 cached · 0 generated · 0 failed · $0.00');
  });

  it('a failed generation becomes a placeholder and a warning; strict fails naming the post', async () => {
    const betaFile = path.join(root, 'src/content/blog/beta.md');
    await writeFile(
      betaFile,
      (await readFile(betaFile, 'utf8')).replace('A blue boat on a calm lake', NEW_BETA_PROMPT),
    );
    mock.reset();
    mock.setFaults([
      {
        route: 'openai.generations',
        prompt: 'stormy harbour',
        fault: {
          type: 'status',
          status: 400,
          code: 'moderation_blocked',
          message: 'Your request was rejected.',
        },
      },
    ]);

    const lenient = await buildSite(root, { herogen: { env } });
    logs.push(lenient.output);
    expect(lenient.error).toBeUndefined();
    expect(mock.paidCalls()).toBe(0);
    expect(lenient.output).toMatch(/\[WARN\][^\n]*src\/content\/blog\/beta\.md/i);
    expect(lenient.output).toContain('1 cached · 0 generated · 1 failed');
    expect(await page('blog/beta')).toContain('data-placeholder="true"');

    const strict = await buildSite(root, { herogen: { env, strict: true } });
    logs.push(strict.output);
    expect(strict.error).toBeInstanceOf(Error);
    expect((strict.error as Error).message).toContain('src/content/blog/beta.md');
    expect((strict.error as Error).message).toMatch(/strict/);
    expect(mock.paidCalls()).toBe(0);
  });

  it('changing one prompt makes exactly one call, and the new image reaches an entry stored before it existed', async () => {
    const before = imageUrls(await page('blog/beta'));
    mock.reset();
    mock.setFaults([]);
    const { output, error } = await buildSite(root, { herogen: { env } });
    logs.push(output);
    expect(error).toBeUndefined();
    expect(mock.paidCalls()).toBe(1);
    expect(generationPrompts()).toEqual([NEW_BETA_PROMPT]);
    // beta.md did not change since the placeholder build: the stored entry is refreshed anyway.
    const beta = await page('blog/beta');
    expect(beta).toContain('data-placeholder="false"');
    expect(imageUrls(beta).filter((url) => url.startsWith('/_astro/'))).not.toEqual(
      before.filter((url) => url.startsWith('/_astro/')),
    );
  });

  it('a config change re-points entries whose files did not change', async () => {
    const before = imageUrls(await page('blog/alpha')).filter((url) => url.startsWith('/_astro/'));
    mock.reset();
    const { output, error } = await buildSite(root, { herogen: { env, style: 'watercolor' } });
    logs.push(output);
    expect(error).toBeUndefined();
    // Two distinct prompts, each now with the style appended: two new images.
    expect(mock.paidCalls()).toBe(2);
    expect(generationPrompts().every((prompt) => prompt?.includes('watercolor'))).toBe(true);
    const alpha = await page('blog/alpha');
    expect(attrOf(alpha, 'data-prompt')).toContain('watercolor');
    expect(imageUrls(alpha).filter((url) => url.startsWith('/_astro/'))).not.toEqual(before);
  });

  it('never writes the API key to dist, the lock or the logs', async () => {
    const files = await listFiles(path.join(root, 'dist'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const bytes = await readFile(path.join(root, 'dist', file));
      expect(bytes.includes(API_KEY), file).toBe(false);
    }
    expect(await readFile(path.join(root, 'herogen.lock.json'), 'utf8')).not.toContain(API_KEY);
    expect(logs.join('\n')).not.toContain(API_KEY);
  });
});
