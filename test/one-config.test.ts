import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, copySite, removeSite, repoRoot } from './fixtures/astro-support/harness.js';
import { useMockKey } from './fixtures/cli-support/mock-key.js';
import { planJson, runHerogen } from './fixtures/cli-support/run-cli.js';

// One configuration for every entry point: herogen's options written only inline in
// astro.config.mjs / vite.config.mjs, and `herogen plan/check/prune` (real processes) must see
// the same site as the build.
const API_KEY = 'sk-test-herogen-one-config-7e21';

const { mock, env } = useMockKey(API_KEY);

const lockOf = async (root: string) =>
  JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8')) as {
    images: Record<string, { file: string }>;
  };
/** `astro build` pays for exactly the images `herogen plan` listed, and stores those keys. */
async function expectBuildAsPlanned(root: string, plan: Awaited<ReturnType<typeof planJson>>) {
  mock().reset();
  const { error } = await buildSite(root, { useConfigFile: true });
  expect(error).toBeUndefined();
  expect(mock().paidCalls()).toBe(plan.jobs.length);
  expect(Object.keys((await lockOf(root)).images).sort()).toEqual(
    plan.jobs.map((job) => job.key).sort(),
  );
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('zero-schema blog with herogen() options only in astro.config.mjs', () => {
  let root: string;

  beforeAll(async () => {
    root = await copySite('astro-template', 'one-config-astro');
    await mkdir(path.join(root, 'src/assets'), { recursive: true });
    await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#3b6f8f' } })
      .png()
      .toFile(path.join(root, 'src/assets/own-cover.png'));
    await writeFile(
      path.join(root, 'src/content/blog/second.md'),
      "---\ntitle: 'Second'\ndescription: 'Another generated hero.'\npubDate: 'Jul 09 2026'\nheroImage:\n  prompt: A lighthouse at dusk, watercolor\n  alt: A lighthouse\n---\n",
    );
    await writeFile(
      path.join(root, 'astro.config.mjs'),
      [
        "import herogen from '@herogen/astro';",
        "import { defineConfig } from 'astro/config';",
        '',
        'export default defineConfig({',
        "  site: 'https://fixture.example',",
        "  integrations: [herogen({ field: { heroImage: 'image' } })],",
        '});',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => removeSite(root));

  it('plan names astro.config.mjs and counts what astro build then pays for', async () => {
    const plan = await planJson(root, env());
    expect(plan.config.source).toBe('inline options in astro.config.mjs');
    expect(plan.jobs.map((job) => job.status)).toEqual(['missing', 'missing']);
    const text = await runHerogen(root, ['plan'], env());
    expect(text.stdout).toMatch(/^config: inline options in astro\.config\.mjs$/m);

    await expectBuildAsPlanned(root, plan);
  });

  it('check sees the same images, and prune deletes nothing in use', async () => {
    const check = await runHerogen(root, ['check'], env());
    expect(check.stdout).toContain('ok: all 2 images are generated and match the lock');
    expect(check.code).toBe(0);

    const before = await lockOf(root);
    const prune = await runHerogen(root, ['prune', '--yes'], env());
    expect(prune.code).toBe(0);
    expect(prune.stdout).toContain('nothing to prune');
    expect(await lockOf(root)).toEqual(before);
    for (const entry of Object.values(before.images)) {
      expect(await exists(path.join(root, entry.file)), entry.file).toBe(true);
    }
  });

  it('a CLI told not to read astro.config refuses instead of passing or pruning everything', async () => {
    const check = await runHerogen(root, ['check', '--no-site-config'], env());
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(
      'the scan found no heroes in 4 content files, but herogen.lock.json records 2 images; is `field` right? herogen read the configuration from defaults (no herogen.config.*; astro.config.* / vite.config.* not read: --no-site-config): field hero, content src/content/**/*.{md,mdx,mdoc}.',
    );
    const before = await lockOf(root);
    const prune = await runHerogen(root, ['prune', '--yes', '--no-site-config'], env());
    expect(prune.code).toBe(2);
    expect(prune.stderr).toContain('the scan found no heroes');
    expect(await lockOf(root)).toEqual(before);
  });

  it('an astro.config.mjs that cannot be loaded is an error naming it, not another site', async () => {
    const file = path.join(root, 'astro.config.mjs');
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}\nthrow new Error('broken on purpose');\n`);
    try {
      const plan = await runHerogen(root, ['plan'], env());
      expect(plan.code).toBe(2);
      expect(plan.stderr).toContain(
        'Could not load astro.config.mjs to read the options given to herogen() there: broken on purpose',
      );
      expect(plan.stdout).toBe('');
    } finally {
      await writeFile(file, good);
    }
  });
});

// Every other setup the READMEs document, built from its own astro.config.mjs.
describe.each([
  [
    'the blog example (quick start, herogen.config.mjs)',
    path.join(repoRoot, 'examples/astro-blog'),
  ],
  ['the Starlight example (field: cover)', path.join(repoRoot, 'examples/starlight-docs')],
  ['heroImage and hero in one collection', 'astro-fields'],
])('%s', (_name, source) => {
  let root: string;
  beforeAll(async () => {
    root = await copySite(source, 'one-config-setup');
    await mkdir(path.join(root, 'src/assets'), { recursive: true });
    await sharp({ create: { width: 64, height: 32, channels: 3, background: '#3b6f8f' } })
      .png()
      .toFile(path.join(root, 'src/assets/own-cover.png'));
  });
  afterAll(() => removeSite(root));

  it('herogen plan and astro build agree on every image', async () => {
    const plan = await planJson(root, env());
    expect(plan.config.source).toMatch(/inline options in astro\.config\.mjs$/);
    expect(plan.jobs.length).toBeGreaterThan(0);
    await expectBuildAsPlanned(root, plan);
  });
});

describe('Vite site with herogen() options only in vite.config.mjs', () => {
  let root: string;

  beforeAll(async () => {
    root = await copySite('vite-basic', 'one-config-vite');
    await rm(path.join(root, 'herogen.config.json'));
    await writeFile(
      path.join(root, 'vite.config.mjs'),
      [
        "import herogen from '@herogen/vite';",
        "import { defineConfig } from 'vite';",
        '',
        'export default defineConfig(() => ({',
        "  plugins: [herogen({ content: 'posts/*.md', aspect: '3:2', formats: ['webp'] })],",
        "  logLevel: 'silent',",
        '  build: {',
        "    rolldownOptions: { input: { entry: 'entry.js' }, preserveEntrySignatures: 'strict' },",
        '  },',
        '}));',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => removeSite(root));

  it('plan and vite build agree on every image key', async () => {
    const plan = await planJson(root, env());
    expect(plan.config.source).toBe('inline options in vite.config.mjs');
    expect(plan.jobs).toHaveLength(2);

    mock().reset();
    await viteBuild({ root, configFile: path.join(root, 'vite.config.mjs') });
    expect(mock().paidCalls()).toBe(2);
    expect(Object.keys((await lockOf(root)).images).sort()).toEqual(
      plan.jobs.map((job) => job.key).sort(),
    );
    expect(await readdir(path.join(root, 'dist/assets'))).not.toHaveLength(0);
  });
});
