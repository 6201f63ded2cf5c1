import { describe, expect, it } from 'vitest';
import { applyDiff, extractSnippets, snippetPrompts } from './snippets.js';

const README = `# Setup

<!-- snippet: blog astro.config.mjs -->
\`\`\`diff
 import sitemap from '@astrojs/sitemap';
+import herogen from '@herogen/astro';
@@
-  integrations: [mdx(), sitemap()],
+  integrations: [mdx(), sitemap(), herogen()],
\`\`\`

<!-- snippet: blog src/content/blog/new.md -->

\`\`\`md
---
title: New
hero:
  prompt: A lighthouse at dusk
---
\`\`\`

\`\`\`js
// not a snippet: no marker
\`\`\`
`;

describe('README snippets', () => {
  it('extracts marked code blocks with their setup, path and kind', () => {
    const snippets = extractSnippets(README, 'README.md');
    expect(snippets.map(({ setup, path, kind, where }) => ({ setup, path, kind, where }))).toEqual([
      { setup: 'blog', path: 'astro.config.mjs', kind: 'diff', where: 'README.md:3' },
      { setup: 'blog', path: 'src/content/blog/new.md', kind: 'file', where: 'README.md:12' },
    ]);
    expect(snippets[1]!.code).toBe('---\ntitle: New\nhero:\n  prompt: A lighthouse at dusk\n---\n');
    expect(snippetPrompts(snippets)).toEqual([
      { path: 'src/content/blog/new.md', prompt: 'A lighthouse at dusk' },
    ]);
  });

  it('refuses a marker without a code block after it', () => {
    expect(() => extractSnippets('<!-- snippet: blog a.ts -->\ntext\n', 'R.md')).toThrow(
      'R.md:1: a snippet marker must be followed by a code block',
    );
  });

  it('applies diff hunks whatever the indentation of the starter', () => {
    const config =
      "import sitemap from '@astrojs/sitemap';\nexport default {\n\tintegrations: [mdx(), sitemap()],\n};\n";
    const diff = extractSnippets(README, 'README.md')[0]!.code;
    expect(applyDiff(config, diff, 'README.md:3')).toBe(
      "import sitemap from '@astrojs/sitemap';\nimport herogen from '@herogen/astro';\nexport default {\n  integrations: [mdx(), sitemap(), herogen()],\n};\n",
    );
  });

  it('fails when a hunk matches nothing or several places in the starter', () => {
    expect(() => applyDiff('a\nb\n', ' c\n+d\n', 'R.md:9')).toThrow(
      'R.md:9: hunk 1 matches nothing in the starter',
    );
    expect(() => applyDiff('a\nb\na\n', ' a\n+d\n', 'R.md:9')).toThrow(
      'R.md:9: hunk 1 matches 2 places in the starter',
    );
    expect(() => applyDiff('a\n', '+d\n', 'R.md:9')).toThrow('has no context line');
  });
});
