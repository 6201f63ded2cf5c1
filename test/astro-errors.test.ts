import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite, copySite, removeSite } from './fixtures/astro-support/harness.js';

describe('astro build with a frontmatter mistake', () => {
  it('fails before any work with the file, line and field, and no stack trace', async () => {
    const root = await copySite('astro-basic');
    await writeFile(
      path.join(root, 'src/content/blog/bad.md'),
      [
        '---',
        'title: Bad',
        'hero:',
        '  prompt: A lighthouse at dusk',
        '  aspect: "9:1"',
        '---',
        '',
        'Body.',
        '',
      ].join('\n'),
    );

    const { error, output } = await buildSite(root, { herogen: { env: {} } });

    expect(error).toBeInstanceOf(Error);
    const { message, stack } = error as Error;
    expect(message).toContain('src/content/blog/bad.md:5');
    expect(message).toContain('hero.aspect');
    expect(message).toContain('"9:1"');
    expect(stack ?? '').not.toMatch(/\n\s+at /);
    // Nothing was generated or built for the other posts.
    expect(output).not.toContain('generated ·');
    await removeSite(root);
  });
});
