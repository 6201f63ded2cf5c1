import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../src/config/define-config.js';
import { loadConfigFile } from '../src/config/load.js';
import { type ResolveConfigOptions, resolveConfig } from '../src/config/resolve.js';
import { HerogenError } from '../src/errors.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const ROOT = '/srv/site';

function resolveError(options: ResolveConfigOptions): HerogenError {
  try {
    resolveConfig(options);
  } catch (error) {
    if (HerogenError.is(error)) return error;
    throw error;
  }
  throw new Error('expected resolveConfig to throw');
}

describe('resolveConfig', () => {
  it('applies the schema defaults to an empty config', () => {
    const config = resolveConfig({ root: ROOT, fileConfig: {}, env: {} });
    expect(config).toMatchObject({
      content: ['src/content/**/*.{md,mdx,mdoc}'],
      field: [{ name: 'hero', mode: 'hero' }],
      outDir: 'src/assets/herogen',
      lockFile: 'herogen.lock.json',
      provider: 'auto',
      aspect: '16:9',
      concurrency: 4,
      frozen: false,
    });
  });

  it('reads `field` as one name, a list, or names with their mode', () => {
    const field = (value: unknown) =>
      resolveConfig({ root: ROOT, fileConfig: { field: value }, env: {} }).field;
    expect(field('cover')).toEqual([{ name: 'cover', mode: 'hero' }]);
    expect(field(['hero', 'cover'])).toEqual([
      { name: 'hero', mode: 'hero' },
      { name: 'cover', mode: 'hero' },
    ]);
    expect(field({ hero: 'hero', heroImage: 'image' })).toEqual([
      { name: 'hero', mode: 'hero' },
      { name: 'heroImage', mode: 'image' },
    ]);
  });

  it('rejects a field mode that does not exist and a field listed twice', () => {
    expect(
      resolveError({ root: ROOT, inline: { field: { heroImage: 'img' } }, env: {} }).message,
    ).toContain('field');
    expect(
      resolveError({ root: ROOT, inline: { field: ['hero', 'hero'] }, env: {} }).message,
    ).toContain('field: a field is listed twice (in inline options)');
  });

  it('merges file < inline < flags, deep-merging budget, openai and hiapi', () => {
    const config = resolveConfig({
      root: ROOT,
      env: {},
      fileConfig: defineConfig({
        concurrency: 2,
        style: 'watercolor',
        quality: 'low',
        budget: { maxUsd: 5, maxImages: 10 },
        openai: { baseURL: 'http://127.0.0.1:9/v1' },
      }),
      inline: {
        concurrency: 3,
        quality: 'high',
        budget: { maxImages: 4 },
        openai: { organization: 'org' },
      },
      flags: { concurrency: 8, budget: { maxUsd: 1 }, style: undefined },
    });
    expect(config.concurrency).toBe(8);
    expect(config.quality).toBe('high');
    expect(config.style).toBe('watercolor');
    expect(config.budget).toEqual({ maxUsd: 1, maxImages: 4 });
    expect(config.openai).toEqual({ baseURL: 'http://127.0.0.1:9/v1', organization: 'org' });
  });

  it('defaults concurrency to 4, and to 8 with hiapi unless a source sets it', () => {
    expect(resolveConfig({ root: ROOT, env: {} }).concurrency).toBe(4);
    expect(resolveConfig({ root: ROOT, env: {}, inline: { provider: 'openai' } }).concurrency).toBe(
      4,
    );
    expect(resolveConfig({ root: ROOT, env: {}, inline: { provider: 'hiapi' } }).concurrency).toBe(
      8,
    );
    const set = { provider: 'hiapi', concurrency: 4 } as const;
    expect(resolveConfig({ root: ROOT, env: {}, fileConfig: set }).concurrency).toBe(4);
    expect(
      resolveConfig({
        root: ROOT,
        env: {},
        inline: { provider: 'hiapi' },
        flags: { concurrency: 2 },
      }).concurrency,
    ).toBe(2);
  });

  it('turns HEROGEN_FROZEN=1 or true into frozen: true, and ignores 0', () => {
    expect(resolveConfig({ root: ROOT, env: { HEROGEN_FROZEN: '1' } }).frozen).toBe(true);
    expect(resolveConfig({ root: ROOT, env: { HEROGEN_FROZEN: 'true' } }).frozen).toBe(true);
    expect(resolveConfig({ root: ROOT, env: { HEROGEN_FROZEN: '0' } }).frozen).toBe(false);
    expect(resolveConfig({ root: ROOT, env: {} }).frozen).toBe(false);
    expect(
      resolveConfig({ root: ROOT, fileConfig: { frozen: true }, env: { HEROGEN_FROZEN: '0' } })
        .frozen,
    ).toBe(true);
  });

  it('rejects an unknown key with a suggestion, naming the config file and line', async () => {
    project = await createTempProject();
    const file = await project.write(
      'herogen.config.ts',
      'export default {\n  content: "posts/**/*.md",\n  concurency: 2,\n};\n',
    );
    const { config } = await loadConfigFile(project.root);
    const error = resolveError({ root: project.root, fileConfig: config, file, env: {} });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(
      'concurency: unknown option; did you mean "concurrency"? (in herogen.config.ts:3)',
    );
    expect(error.location).toMatchObject({
      file: 'herogen.config.ts',
      line: 3,
      field: 'concurency',
    });
  });

  it('suggests a key with two letters swapped (feild → field)', () => {
    const error = resolveError({ root: ROOT, fileConfig: { feild: 'cover' }, env: {} });
    expect(error.message).toContain('feild: unknown option; did you mean "field"?');
  });

  it('names the file inline options are written in, and the line, not "inline options"', async () => {
    project = await createTempProject();
    const astroConfig = await project.write(
      'astro.config.mjs',
      "export default {\n  integrations: [\n    herogen({ feild: 'cover' }),\n  ],\n};\n",
    );
    const error = resolveError({
      root: project.root,
      inline: { feild: 'cover' },
      inlineFile: astroConfig,
      env: {},
    });
    expect(error.message).toContain(
      'feild: unknown option; did you mean "field"? (in astro.config.mjs:3)',
    );
    expect(error.location).toMatchObject({ file: 'astro.config.mjs', line: 3, field: 'feild' });
  });

  it('suggests nested keys and aliases, and says nothing when no key is close', () => {
    const error = resolveError({
      root: ROOT,
      fileConfig: { budget: { maxUSD: 3 }, outputDir: 'x', zzzzzz: 1 },
      file: 'herogen.config.mjs',
      env: {},
    });
    expect(error.message).toContain('budget.maxUSD: unknown option; did you mean "maxUsd"?');
    expect(error.message).toContain('outputDir: unknown option; did you mean "outDir"?');
    expect(error.message).toMatch(/zzzzzz: unknown option \(in herogen\.config\.mjs\)/);
  });

  it('lists every problem in one error, each with the source it came from', () => {
    const error = resolveError({
      root: ROOT,
      file: 'herogen.config.json',
      fileConfig: { concurrency: 'four' },
      inline: { aspect: '5:1' },
      flags: { budget: { maxUsd: -1 }, provider: 'openia' },
      env: {},
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('4 problems');
    expect(error.message).toContain(
      'concurrency: expected a number, got the string "four" (in herogen.config.json)',
    );
    expect(error.message).toContain('aspect: aspect ratio must be between 1:3 and 3:1');
    expect(error.message).toContain('(in inline options)');
    expect(error.message).toContain(
      'budget.maxUsd: must be at least 0, got the number -1 (in command-line flags)',
    );
    expect(error.message).toContain('provider: expected "auto", "openai", "hiapi", "local"');
    expect(error.message).toContain('did you mean "openai"?');
  });

  it('reports a wrong type for a whole number option', () => {
    const error = resolveError({
      root: ROOT,
      fileConfig: { maxRetries: 1.5, strict: 'yes' },
      env: {},
    });
    expect(error.message).toMatch(/maxRetries: .*whole number|maxRetries: .*integer/);
    expect(error.message).toContain('strict: expected true or false, got the string "yes"');
  });

  it('refuses a config that is not an object', () => {
    const error = resolveError({
      root: ROOT,
      fileConfig: ['a'],
      file: 'herogen.config.ts',
      env: {},
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('must be an object');
  });

  it('normalizes outDir and lockFile to root-relative POSIX paths', () => {
    const config = resolveConfig({
      root: ROOT,
      fileConfig: { outDir: './src/assets/heroes/', lockFile: `${ROOT}/data/herogen.lock.json` },
      env: {},
    });
    expect(config.outDir).toBe('src/assets/heroes');
    expect(config.lockFile).toBe('data/herogen.lock.json');
  });

  it('rejects an outDir that escapes the root with .., naming the file and field', () => {
    const error = resolveError({
      root: ROOT,
      fileConfig: { outDir: '../shared/heroes' },
      file: `${ROOT}/herogen.config.ts`,
      env: {},
    });
    expect(error.code).toBe('PATH_OUTSIDE_ROOT');
    expect(error.message).toContain(
      'outDir "../shared/heroes" in herogen.config.ts points outside the project root',
    );
    expect(error.location).toMatchObject({ file: 'herogen.config.ts', field: 'outDir' });
  });

  it('rejects an absolute lockFile elsewhere, from flags', () => {
    const error = resolveError({
      root: ROOT,
      flags: { lockFile: '/etc/herogen.lock.json' },
      env: {},
    });
    expect(error.code).toBe('PATH_OUTSIDE_ROOT');
    expect(error.message).toContain('lockFile "/etc/herogen.lock.json" in command-line flags');
  });

  it('rejects an outDir reached through a symlink that points outside the root', async () => {
    project = await createTempProject();
    const outside = await createTempProject('herogen-outside-');
    try {
      await mkdir(join(project.root, 'src'), { recursive: true });
      await symlink(outside.root, join(project.root, 'src', 'assets'));
      const error = resolveError({
        root: project.root,
        fileConfig: { outDir: 'src/assets/herogen' },
        file: 'herogen.config.ts',
        env: {},
      });
      expect(error.code).toBe('PATH_OUTSIDE_ROOT');
      expect(error.message).toContain('symlink');
      expect(error.location).toMatchObject({ file: 'herogen.config.ts', field: 'outDir' });
      // A symlink that stays inside the root is fine.
      await mkdir(join(project.root, 'real'), { recursive: true });
      await symlink(join(project.root, 'real'), join(project.root, 'linked'));
      expect(
        resolveConfig({ root: project.root, fileConfig: { outDir: 'linked/heroes' }, env: {} })
          .outDir,
      ).toBe('linked/heroes');
    } finally {
      await outside.cleanup();
    }
  });
});
