import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium, loadedImages } from '../fixtures/astro-support/browser.js';
import { imageUrls, repoRoot } from '../fixtures/astro-support/harness.js';
import { serveStatic } from '../fixtures/astro-support/static-server.js';
import { waitFor } from '../fixtures/vite-support/wait.js';
import { startAstroDev } from './astro-dev.js';
import { npmInstall, type PackageName, packAll, run } from './pack.js';
import { applySnippets, extractSnippets, type Snippet, snippetPrompts } from './snippets.js';

// Every setup the READMEs show, pasted as written onto the starter it names, installed from the
// packed tarballs with npm, built against the mock API, and checked for images on the pages.
// A README edit that breaks a snippet fails here.

/** Each README setup: where it is written and how a content file becomes a page. */
const ASTRO_SETUPS = {
  blog: { starter: 'starter-blog', page: blogPage },
  'blog-zero-schema': { starter: 'starter-blog', page: blogPage },
  starlight: { starter: 'starter-starlight', page: docsPage },
} as const;

/** What a user gets from `npm install` today, per Astro major (pinned so CI is repeatable). */
const ASTRO_DEPENDENCIES = {
  7: ['astro@7.4.8', '@astrojs/mdx@8.1.4', '@astrojs/starlight@0.42.9'],
  6: ['astro@6.4.8', '@astrojs/mdx@5.0.6', '@astrojs/starlight@0.38.5'],
} as const;
const SHARED_DEPENDENCIES = ['@astrojs/rss@4.0.19', '@astrojs/sitemap@3.7.4', 'sharp@0.35.5'];
/** `npm create vite@latest`, pinned to a major so the template does not move under the test. */
const CREATE_VITE = 'vite@9';
/** VitePress's stable line (on Vite 5), pinned so CI is repeatable. */
const VITEPRESS = 'vitepress@1.6.4';

function blogPage(file: string): string {
  return file.replace(/^src\/content\/blog\/(.+)\.mdx?$/, 'blog/$1/index.html');
}

function docsPage(file: string): string {
  const page = file.replace(/^src\/content\/docs\/(.+)\.mdx?$/, '$1');
  return page === 'index' ? 'index.html' : `${page}/index.html`;
}

interface LockEntry {
  prompt: string;
  placeholder?: boolean;
}

const SOURCEMAP_WARNING = /sourcemap|points to missing source/i;

let packs: string;
let tarballs: Record<PackageName, string>;
let work: string;
let mock: MockApi;
const snippets = new Map<string, Snippet[]>();

beforeAll(async () => {
  for (const readme of ['packages/astro/README.md', 'packages/vite/README.md']) {
    const text = await readFile(path.join(repoRoot, readme), 'utf8');
    for (const snippet of extractSnippets(text, readme)) {
      snippets.set(snippet.setup, [...(snippets.get(snippet.setup) ?? []), snippet]);
    }
  }
  ({ dir: packs, tarballs } = await packAll());
  work = await mkdtemp(path.join(tmpdir(), 'herogen-readme-'));
  mock = await createMockApi();
}, 120_000);

afterAll(async () => {
  await mock?.close();
  if (work) await rm(work, { recursive: true, force: true });
  if (packs) await rm(packs, { recursive: true, force: true });
});

/** The environment of a user with a key, pointed at the mock (never a real provider). */
function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(VITEST|NODE_ENV$|HIAPI_|OPENAI_|HEROGEN_)/.test(name)) env[name] = value;
  }
  return {
    ...env,
    OPENAI_API_KEY: 'test-key-readme-snippets',
    OPENAI_BASE_URL: mock.openaiBaseURL,
    ASTRO_TELEMETRY_DISABLED: '1',
  };
}

/** Run a build command; its whole log, or an error carrying it. */
async function build(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      env: buildEnv(),
      maxBuffer: 32 * 1024 * 1024,
    });
    return `${stdout}\n${stderr}`;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/**
 * The site's package.json lists what it uses, as after `npm install` in a real project: Astro
 * reads it to find the packages it must bundle (Starlight's components) instead of importing.
 */
async function declareDependencies(root: string, consumer: string): Promise<void> {
  const read = async (dir: string) =>
    JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { dependencies } = await read(consumer);
  const manifest = { ...(await read(root)), dependencies };
  await writeFile(path.join(root, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function setupSnippets(setup: string): Snippet[] {
  const found = snippets.get(setup) ?? [];
  if (found.length === 0) throw new Error(`no README snippet is marked for setup "${setup}"`);
  return found;
}

/** The lock's images as `[key, entry]`; none before the first image is stored. */
async function lockEntries(root: string): Promise<[string, LockEntry][]> {
  const text = await readFile(path.join(root, 'herogen.lock.json'), 'utf8').catch(() => undefined);
  return text ? Object.entries(JSON.parse(text).images as Record<string, LockEntry>) : [];
}

/** Every prompt was paid for once, is stored as a real image, and shows on its page. */
async function expectImagesOnPages(
  root: string,
  setup: Snippet[],
  page: (file: string) => string,
): Promise<void> {
  const prompts = snippetPrompts(setup);
  expect(prompts.length).toBeGreaterThan(0);
  expect(mock.paidCalls()).toBe(prompts.length);
  const entries = await lockEntries(root);
  expect(entries).toHaveLength(prompts.length);
  for (const { path: file, prompt } of prompts) {
    const [key, entry] = entries.find(([, candidate]) => candidate.prompt.includes(prompt)) ?? [];
    expect(key, `a lock entry for "${prompt}"`).toBeDefined();
    expect(entry?.placeholder).not.toBe(true);
    const html = await readFile(path.join(root, 'dist', page(file)), 'utf8');
    const urls = imageUrls(html).filter((url) => url.includes(key!.slice(0, 12)));
    expect(urls.length, `images of ${file} on ${page(file)}`).toBeGreaterThan(0);
    for (const url of urls) {
      await expect(readFile(path.join(root, 'dist', url.split('?')[0]!))).resolves.toBeTruthy();
    }
  }
}

it('the READMEs mark every setup they show', () => {
  expect([...snippets.keys()].sort()).toEqual([
    'blog',
    'blog-zero-schema',
    'starlight',
    'vite',
    'vitepress',
  ]);
});

describe.each([7, 6] as const)('Astro %i', (major) => {
  let consumer: string;

  beforeAll(async () => {
    consumer = path.join(work, `astro-${major}`);
    await mkdir(consumer, { recursive: true });
    await writeFile(path.join(consumer, 'package.json'), '{ "private": true, "type": "module" }\n');
    await npmInstall(consumer, [
      ...ASTRO_DEPENDENCIES[major],
      ...SHARED_DEPENDENCIES,
      tarballs['@herogen/core'],
      tarballs['@herogen/astro'],
    ]);
  }, 600_000);

  it.each(Object.keys(ASTRO_SETUPS) as (keyof typeof ASTRO_SETUPS)[])(
    'README setup "%s" builds with images on its pages',
    async (name) => {
      const { starter, page } = ASTRO_SETUPS[name];
      // Sites share the consumer's node_modules one folder up, as in a monorepo.
      const root = path.join(consumer, name);
      await cp(path.join(repoRoot, 'test/fixtures', starter), root, { recursive: true });
      await declareDependencies(root, consumer);
      const setup = setupSnippets(name);
      await applySnippets(root, setup);
      mock.reset();
      const astro = path.join(consumer, 'node_modules/astro/bin/astro.mjs');
      const output = await build(process.execPath, [astro, 'build'], root);
      expect(output).not.toMatch(SOURCEMAP_WARNING);
      await expectImagesOnPages(root, setup, page);
    },
    300_000,
  );

  it('README setup "blog" in `astro dev`: a page load pays nothing, a saved prompt is generated and shown', async () => {
    const root = path.join(consumer, 'blog-dev');
    await cp(path.join(repoRoot, 'test/fixtures/starter-blog'), root, { recursive: true });
    await declareDependencies(root, consumer);
    await applySnippets(root, setupSnippets('blog'));
    mock.reset();
    const astro = path.join(consumer, 'node_modules/astro/bin/astro.mjs');
    const server = await startAstroDev(astro, root, buildEnv());
    const page = () => fetch(`${server.url}blog/first-post/`).then((response) => response.text());
    const stored = async (done: (entry: LockEntry) => boolean) =>
      (await lockEntries(root)).find(([, entry]) => done(entry))?.[0];
    try {
      const placeholder = await waitFor(
        () => stored((entry) => entry.placeholder === true),
        'a placeholder',
      );
      expect(await page()).toContain(placeholder.slice(0, 12));
      expect(mock.paidCalls()).toBe(0);

      const post = path.join(root, 'src/content/blog/first-post.md');
      const text = await readFile(post, 'utf8');
      await writeFile(post, text.replace(/^(\s*prompt: .+)$/m, '$1, at night'));
      const real = await waitFor(
        () => stored((entry) => entry.prompt.includes('at night') && !entry.placeholder),
        'the real image of the saved prompt',
        180_000,
      );
      await waitFor(
        async () => ((await page()).includes(real.slice(0, 12)) ? true : undefined),
        'the page to show it',
        // The content layer reloads once the image is stored; on a loaded CI machine that can
        // take a minute or more (seen: over 60 s at load 12), quietly it takes seconds.
        150_000,
      );
      expect(mock.paidCalls()).toBe(1);
      expect(server.output()).not.toMatch(SOURCEMAP_WARNING);
    } finally {
      await server.stop();
    }
  }, 400_000);
});

describe('Vite', () => {
  let root: string;

  beforeAll(async () => {
    await run(
      'npm',
      [
        'create',
        '--yes',
        CREATE_VITE,
        'site',
        '--',
        '--template',
        'vanilla-ts',
        '--no-interactive',
      ],
      { cwd: work },
    );
    root = path.join(work, 'site');
    await applySnippets(root, setupSnippets('vite'));
    await npmInstall(root, ['-D', tarballs['@herogen/core'], tarballs['@herogen/vite']]);
  }, 600_000);

  it('README setup "vite" builds with the template\'s own script (tsc && vite build)', async () => {
    mock.reset();
    const output = await build('npm', ['run', 'build'], root);
    expect(output).not.toMatch(SOURCEMAP_WARNING);
    const prompts = snippetPrompts(setupSnippets('vite'));
    expect(mock.paidCalls()).toBe(prompts.length);
    const entries = await lockEntries(root);
    expect(entries.map(([, entry]) => entry.placeholder ?? false)).toEqual(
      prompts.map(() => false),
    );
  }, 300_000);

  it.skipIf(!chromiumPath)(
    'shows the hero on the page in Chromium',
    async () => {
      const server = await serveStatic(path.join(root, 'dist'));
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}/`);
        const images = await loadedImages(page, '#app picture img');
        expect(images).toHaveLength(1);
        expect(images[0]!.naturalWidth).toBeGreaterThan(0);
        expect(new URL(images[0]!.src).pathname).toMatch(/^\/assets\//);
      } finally {
        await browser.close();
        await server.close();
      }
    },
    120_000,
  );
});

describe('VitePress', () => {
  let root: string;

  beforeAll(async () => {
    root = path.join(work, 'vitepress');
    await cp(path.join(repoRoot, 'test/fixtures/starter-vitepress'), root, { recursive: true });
    await applySnippets(root, setupSnippets('vitepress'));
    await npmInstall(root, ['-D', VITEPRESS, tarballs['@herogen/core'], tarballs['@herogen/vite']]);
  }, 600_000);

  it('README setup "vitepress" builds with a prerendered <picture> and og:image on its pages', async () => {
    mock.reset();
    const output = await build('npm', ['run', 'docs:build'], root);
    expect(output).not.toMatch(SOURCEMAP_WARNING);
    const prompts = snippetPrompts(setupSnippets('vitepress'));
    expect(prompts.map((prompt) => prompt.path).sort()).toEqual([
      'docs/index.md',
      'docs/markdown-examples.md',
    ]);
    expect(mock.paidCalls()).toBe(prompts.length);
    const entries = await lockEntries(path.join(root, 'docs'));
    expect(entries.map(([, entry]) => entry.placeholder ?? false)).toEqual(
      prompts.map(() => false),
    );

    const dist = path.join(root, 'docs/.vitepress/dist');
    for (const { path: file } of prompts) {
      const html = await readFile(
        path.join(dist, file.replace(/^docs\/(.+)\.md$/, '$1.html')),
        'utf8',
      );
      // In the static HTML, not added by client JS: what crawlers and link previews see.
      const picture = /<picture[^>]*>[\s\S]*?<\/picture>/.exec(html)?.[0];
      expect(picture, `the <picture> of ${file}`).toBeDefined();
      expect(picture).toContain('type="image/avif"');
      expect(picture).toContain('url(&#39;data:image/webp;base64,');
      const urls = imageUrls(picture!);
      expect(urls.length).toBeGreaterThanOrEqual(3);
      for (const url of urls) {
        await expect(readFile(path.join(dist, url))).resolves.toBeTruthy();
      }
      const og = /<meta property="og:image" content="([^"]+)">/.exec(html)?.[1];
      expect(og, `og:image of ${file}`).toMatch(/^https:\/\/docs\.example\.com\/assets\//);
      const meta = await sharp(path.join(dist, new URL(og!).pathname)).metadata();
      expect([meta.width, meta.height]).toEqual([1200, 630]);
    }
  }, 300_000);
});
