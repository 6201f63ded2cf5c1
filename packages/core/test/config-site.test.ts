import { afterEach, describe, expect, it } from 'vitest';
import { describeConfigSource, loadProjectConfig } from '../src/config/project-config.js';
import { loadSiteConfig } from '../src/config/site-config.js';
import { HerogenError } from '../src/errors.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

let project: TempProject;
afterEach(async () => {
  await project?.cleanup();
});

/** What herogen()'s integration or plugin object looks like to a site config (the marker). */
const fakeHerogen = (options: string) =>
  `{ name: 'fake-herogen', [Symbol.for('@herogen/inline-options')]: ${options} }`;

describe('loadSiteConfig', () => {
  it('finds herogen() among nested, falsy and other Astro integrations', async () => {
    project = await createTempProject();
    await project.write(
      'astro.config.mjs',
      `export default { integrations: [{ name: 'mdx' }, false, [null, ${fakeHerogen("{ config: { field: 'heroImage' } }")}]] };`,
    );
    const site = await loadSiteConfig(project.root);
    expect(site?.kind).toBe('astro');
    expect(site?.inline).toEqual({ config: { field: 'heroImage' } });
  });

  it('calls a Vite config function, awaits promised plugins and follows a moved root', async () => {
    project = await createTempProject();
    await project.write(
      'vite.config.ts',
      `const plugin: object = ${fakeHerogen("{ config: { style: 'ink' }, configFile: 'herogen.site.json' }")};\nexport default ({ command }: { command: string }) => ({ root: 'site', plugins: [Promise.resolve([command === 'build' ? plugin : null])] });`,
    );
    await project.write('site/herogen.site.json', '{ "quality": "high" }');
    const loaded = await loadProjectConfig({ root: project.root, env: {} });
    expect(loaded.root).toBe(`${project.root}/site`);
    expect(loaded.config.style).toBe('ink');
    expect(loaded.config.quality).toBe('high');
    expect(describeConfigSource(loaded.source)).toBe(
      'herogen.site.json + inline options in vite.config.ts (root site, set in vite.config.ts)',
    );
  });

  it('refuses a site config that adds herogen() twice', async () => {
    project = await createTempProject();
    await project.write(
      'astro.config.mjs',
      `export default { integrations: [${fakeHerogen('{ config: {} }')}, ${fakeHerogen("{ config: { field: 'cover' } }")}] };`,
    );
    const error = await loadSiteConfig(project.root).catch((caught: unknown) => caught);
    expect(HerogenError.is(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toBe(
      'astro.config.mjs adds herogen() 2 times; one site has one herogen configuration.',
    );
  });
});

describe('loadProjectConfig', () => {
  it('merges herogen.config.* < inline options from astro.config < flags, and says so', async () => {
    project = await createTempProject();
    await project.write(
      'herogen.config.json',
      '{ "style": "file", "quality": "low", "concurrency": 2 }',
    );
    await project.write(
      'astro.config.mjs',
      `export default { integrations: [${fakeHerogen("{ config: { style: 'inline', quality: 'high' } }")}] };`,
    );
    const loaded = await loadProjectConfig({ root: project.root, flags: { quality: 'medium' } });
    expect([loaded.config.style, loaded.config.quality, loaded.config.concurrency]).toEqual([
      'inline',
      'medium',
      2,
    ]);
    expect(describeConfigSource(loaded.source)).toBe(
      'herogen.config.json + inline options in astro.config.mjs + command-line flags',
    );
  });

  it('names the site config in an invalid inline option', async () => {
    project = await createTempProject();
    await project.write(
      'astro.config.mjs',
      `export default { integrations: [${fakeHerogen('{ config: { concurrency: 0 } }')}] };`,
    );
    const error = await loadProjectConfig({ root: project.root }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toContain(
      'concurrency: must be at least 1, got the number 0 (in astro.config.mjs:1)',
    );
  });

  it('says when the site config has no herogen(), or was not read', async () => {
    project = await createTempProject();
    await project.write('astro.config.mjs', 'export default { integrations: [] };');
    const plain = await loadProjectConfig({ root: project.root });
    expect(describeConfigSource(plain.source)).toBe(
      'defaults (no herogen.config.*; astro.config.mjs has no herogen())',
    );
    const skipped = await loadProjectConfig({ root: project.root, siteConfig: false });
    expect(describeConfigSource(skipped.source)).toBe(
      'defaults (no herogen.config.*; astro.config.* / vite.config.* not read: --no-site-config)',
    );
  });
});
