import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSite, copySite, removeSite, repoRoot } from './fixtures/astro-support/harness.js';

// Config typos, as users make them, in each file a user can write options in: the message
// names that file and its line, and says which option was meant.
let root: string | undefined;
afterEach(async () => {
  await removeSite(root);
  root = undefined;
});

describe('a mistyped option', () => {
  it('in astro.config.mjs: names astro.config.mjs and its line, with a did-you-mean', async () => {
    root = await copySite('astro-basic');
    await writeFile(
      path.join(root, 'astro.config.mjs'),
      [
        "import herogen from '@herogen/astro';",
        "import { defineConfig } from 'astro/config';",
        '',
        'export default defineConfig({',
        '  integrations: [',
        "    herogen({ feild: 'hero' }),",
        '  ],',
        '});',
        '',
      ].join('\n'),
    );
    const { error } = await buildSite(root, { useConfigFile: true });
    const message = (error as Error).message;
    expect(message).toContain(
      'feild: unknown option; did you mean "field"? (in astro.config.mjs:6)',
    );
    expect(message).not.toContain('inline options');
  });

  it('in herogen.config.json: the same did-you-mean', async () => {
    root = await copySite('astro-basic');
    await writeFile(
      path.join(root, 'herogen.config.json'),
      `${JSON.stringify({ feild: 'hero' }, null, 2)}\n`,
    );
    const { error } = await buildSite(root, { herogen: { env: {} } });
    expect((error as Error).message).toContain(
      'feild: unknown option; did you mean "field"? (in herogen.config.json:2)',
    );
  });

  it('in vite.config.mjs: names vite.config.mjs and its line', async () => {
    root = await copySite('astro-basic', 'vite-typo');
    const plugin = pathToFileURL(
      path.join(repoRoot, 'test/node_modules/@herogen/vite/dist/index.js'),
    ).href;
    await writeFile(path.join(root, 'entry.js'), 'export default 1;\n');
    await writeFile(
      path.join(root, 'vite.config.mjs'),
      [
        `import { herogen } from ${JSON.stringify(plugin)};`,
        '',
        'export default {',
        '  plugins: [',
        '    herogen({',
        "      content: 'src/content/**/*.md',",
        "      feild: 'hero',",
        '    }),',
        '  ],',
        "  build: { rolldownOptions: { input: 'entry.js' } },",
        '};',
        '',
      ].join('\n'),
    );
    const error = await build({ root, logLevel: 'silent' }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain(
      'feild: unknown option; did you mean "field"? (in vite.config.mjs:7)',
    );
  });
});
