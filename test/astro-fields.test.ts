import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
import { useMockKey } from './fixtures/cli-support/mock-key.js';
import { runHerogen } from './fixtures/cli-support/run-cli.js';

// test/fixtures/astro-fields: one collection with the template's `heroImage` (image mode) and
// herogen's own `hero` (hero mode), configured by one herogen() in astro.config.mjs.
const API_KEY = 'sk-test-herogen-fields-41c9';
const { mock, env } = useMockKey(API_KEY);

async function site(name: string): Promise<string> {
  const root = await copySite('astro-fields', name);
  await mkdir(path.join(root, 'src/assets'), { recursive: true });
  await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#3b6f8f' } })
    .png()
    .toFile(path.join(root, 'src/assets/own-cover.png'));
  return root;
}

const altOf = (html: string) => [...html.matchAll(/<img [^>]*alt="([^"]*)"/g)].map((m) => m[1]);

describe('heroImage (image mode) and hero (hero mode) in one collection', () => {
  let root: string;
  let output: string;

  beforeAll(async () => {
    root = await site('astro-fields');
    mock().reset();
    const result = await buildSite(root, { useConfigFile: true });
    if (result.error) throw result.error;
    output = result.output;
  });
  afterAll(() => removeSite(root));

  const page = (slug: string) => readText(path.join(root, 'dist/blog', slug, 'index.html'));

  it('generates each prompt once, in either field, and leaves the own image alone', async () => {
    expect(mock().paidCalls()).toBe(3);
    const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
    expect(Object.keys(lock.images)).toHaveLength(3);
    const own = imageUrls(await page('own-image')).filter((url) => url.startsWith('/_astro/'));
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^\/_astro\/own-cover\./);
  });

  it('gives layouts the alt text of both fields (heroImageAlt, hero.alt)', async () => {
    expect(altOf(await page('template-field'))).toEqual([
      'A small paper boat floating on a rain puddle',
    ]);
    expect(altOf(await page('hero-field'))).toEqual(['A red kite above rolling hills']);
    expect(altOf(await page('no-alt'))).toEqual(['A lighthouse on a rocky headland at dawn']);
    expect(output).toContain(
      'heroImage has no alt text; the prompt is used as alt for now (`heroImageAlt` in Astro)',
    );
  });
});

describe('a plain string in an image-mode field', () => {
  let root: string;
  afterAll(() => removeSite(root));

  it("is never paid for: plan and build stop with herogen's error naming file, line and field", async () => {
    root = await site('astro-fields-prose');
    await writeFile(
      path.join(root, 'src/content/blog/prose.md'),
      "---\ntitle: 'Prose'\nheroImage: A lighthouse at dusk, watercolor\n---\n",
    );
    const message =
      'src/content/blog/prose.md:3 (heroImage): heroImage is "A lighthouse at dusk, watercolor", which is not an image file';

    const plan = await runHerogen(root, ['plan'], env());
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain(message);
    expect(plan.stderr).toContain('prompt: "A lighthouse at dusk, watercolor"');

    mock().reset();
    const { error, output } = await buildSite(root, { useConfigFile: true });
    expect(String((error as Error)?.message ?? error)).toContain('not an image file');
    expect(output + String(error)).not.toContain('LocalImageUsedWrongly');
    expect(mock().paidCalls()).toBe(0);
  });
});
