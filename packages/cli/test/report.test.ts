/// <reference lib="dom" />
// The page functions below run in Chromium, so they use DOM types.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { type Browser, chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, runCli } from './helpers.js';

const KEY = 'sk-test-REPORT-0000';
const post = (title: string, hero: string) => `---\ntitle: ${title}\n${hero}\n---\n\nBody.\n`;

let mock: MockApi;
let site: Awaited<ReturnType<typeof createProject>>;
let browser: Browser | undefined;
let shots: string;

function chromiumPath(): string {
  return (
    process.env.CHROMIUM_PATH ??
    execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim()
  );
}

/**
 * Five heroes in every state: two generated (one regenerated, one with candidates, one used by
 * two posts), one failed (moderation), one offline placeholder, one not generated yet.
 */
beforeAll(async () => {
  mock = await createMockApi({ latencyMs: [0, 20] });
  site = await createProject({
    'src/content/lighthouse.md': post(
      'Lighthouse',
      'hero:\n  prompt: A lighthouse at dusk, long exposure, teal sky\n  alt: A lighthouse',
    ),
    'src/content/lighthouse-again.md': post(
      'Lighthouse again',
      'hero:\n  prompt: A lighthouse at dusk, long exposure, teal sky\n  alt: The same lighthouse',
    ),
    'src/content/rice.md': post(
      'Rice',
      'hero:\n  prompt: Terraced rice fields in fog\n  alt: Rice',
    ),
    'src/content/fox.md': post('Fox', 'hero:\n  prompt: A red fox in deep snow\n  alt: A fox'),
    'src/content/offline.md': post(
      'Offline',
      'hero:\n  prompt: Abstract gradient waves <b>bold</b>\n  alt: Waves\n  provider: local',
    ),
  });
  shots = await mkdtemp(path.join(os.tmpdir(), 'herogen-report-shots-'));
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
  mock.setFaults([
    {
      route: 'openai.generations',
      prompt: 'fox',
      fault: {
        type: 'status',
        status: 400,
        errorType: 'image_generation_user_error',
        code: 'moderation_blocked',
        message: 'Your request was rejected by the safety system.',
      },
    },
  ]);
  const run = (...args: string[]) => runCli(args, { cwd: site.root, env });
  expect((await run('generate')).code).toBe(1); // the fox failed
  expect((await run('regenerate', 'src/content/lighthouse.md')).code).toBe(0);
  expect((await run('variants', 'src/content/rice.md', '-n', '2')).code).toBe(0);
  await site.write('src/content/desert.md', post('Desert', 'hero: A desert road at noon'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await mock.close();
  await site.cleanup();
  await rm(shots, { recursive: true, force: true });
});

describe('herogen report', () => {
  it('--json lists every hero with its status, cost, takes and candidates', async () => {
    const run = await runCli(['report', '--json'], { cwd: site.root, env: {} });
    expect(run.code).toBe(0);
    const data = JSON.parse(run.stdout);
    expect(data.images).toHaveLength(5);
    const byFile = (file: string) =>
      data.images.find((image: { sources: { file: string }[] }) =>
        image.sources.some((source) => source.file === file),
      );
    expect(byFile('src/content/lighthouse.md')).toMatchObject({
      status: 'ok',
      provider: 'openai',
      model: 'gpt-image-2',
      costConfidence: 'exact',
      size: '1360×768',
    });
    expect(byFile('src/content/lighthouse.md').sources).toHaveLength(2);
    expect(byFile('src/content/lighthouse.md').takes.map((t: { kind: string }) => t.kind)).toEqual([
      'history',
    ]);
    expect(byFile('src/content/rice.md').takes.map((t: { n: number }) => t.n)).toEqual([1, 2]);
    expect(byFile('src/content/fox.md').status).toBe('failed');
    expect(byFile('src/content/fox.md').statusDetail).toContain('PROVIDER_MODERATION');
    expect(byFile('src/content/offline.md').status).toBe('placeholder');
    expect(byFile('src/content/desert.md').status).toBe('missing');
    expect(data.totals).toMatchObject({ images: 5, ok: 2, failed: 1, placeholder: 1, missing: 1 });
    expect(data.totals.costUsd).toBeGreaterThan(0);
    // What the originals weigh in git: the sum of the files the lock lists, takes apart.
    const lock = JSON.parse(await readFile(path.join(site.root, 'herogen.lock.json'), 'utf8'));
    const onDisk = async (entries: { file: string }[]) => {
      let sum = 0;
      for (const entry of entries) sum += (await stat(path.join(site.root, entry.file))).size;
      return sum;
    };
    expect(data.totals.originalsBytes).toBe(await onDisk(Object.values(lock.images)));
    expect(data.totals.originalsBytes).toBeGreaterThan(10_000);
    expect(data.totals.historyBytes).toBe(await onDisk(Object.values(lock.history).flat() as []));
    expect(data.totals.historyBytes).toBeGreaterThan(0);
    expect(run.stdout).not.toContain('data:image');
  });

  it('writes one self-contained HTML file that renders every hero in Chromium', async () => {
    const run = await runCli(['report'], { cwd: site.root, env: {} });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'wrote herogen-report.html: 5 images (1 placeholder, 1 failed, 1 missing)',
    );
    expect(run.stdout).toMatch(
      /; originals \d+\.\d (KB|MB) \(\+ \d+\.\d (KB|MB) of earlier takes\)\n$/,
    );
    const file = path.join(site.root, 'herogen-report.html');
    const html = await readFile(file, 'utf8');
    // Nothing to fetch: every image is inline, and user text is escaped.
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('<dt>originals in the repo</dt>');

    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!/^(file|data):/.test(request.url())) problems.push(`fetched ${request.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));

    const images = await page.evaluate(() =>
      Array.from(document.images).map((img) => img.naturalWidth),
    );
    expect(images).toHaveLength(5);
    for (const width of images) expect(width).toBeGreaterThan(0);
    expect(await page.locator('#count').textContent()).toBe('5 of 5');

    const visible = () => page.locator('.card:not([hidden])');
    const visibleFiles = () =>
      visible().evaluateAll((cards) => cards.map((card) => (card as HTMLElement).dataset.file));

    await page.fill('#q', 'lighthouse');
    expect(await visibleFiles()).toEqual(['src/content/lighthouse-again.md']);
    await page.fill('#q', 'lighthouse.md');
    expect(await visible().count()).toBe(1);
    await page.fill('#q', '');
    await page.selectOption('#status', 'failed');
    expect(await visibleFiles()).toEqual(['src/content/fox.md']);
    expect(await page.locator('#count').textContent()).toBe('1 of 5');
    await page.selectOption('#status', 'missing');
    expect(await visibleFiles()).toEqual(['src/content/desert.md']);
    await page.selectOption('#status', '');
    expect(await visible().count()).toBe(5);

    await page.selectOption('#sort', 'cost-desc');
    const costs = await visible().evaluateAll((cards) =>
      cards.map((card) => Number((card as HTMLElement).dataset.cost)),
    );
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    expect(costs[0]).toBeGreaterThan(0);
    await page.selectOption('#sort', 'problems');
    expect((await visibleFiles())[0]).toBe('src/content/fox.md');
    await page.selectOption('#sort', 'file');
    const files = await visibleFiles();
    expect(files).toEqual([...files].sort());

    const shot = path.join(shots, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const meta = await sharp(shot).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(1360);
    expect(problems).toEqual([]);
    if (process.env.HEROGEN_KEEP_SCREENSHOT) {
      await import('node:fs/promises').then((fs) =>
        fs.copyFile(shot, process.env.HEROGEN_KEEP_SCREENSHOT!),
      );
    }
  });

  it('--out writes elsewhere', async () => {
    const out = path.join(shots, 'nested', 'sheet.html');
    const run = await runCli(['report', '--out', out], { cwd: site.root, env: {} });
    expect(run.code).toBe(0);
    expect((await readFile(out, 'utf8')).startsWith('<!doctype html>')).toBe(true);
  });
});
