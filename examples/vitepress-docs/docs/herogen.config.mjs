// Read by the Vite plugin inside VitePress and by the `herogen` CLI (run it in docs/, VitePress's
// Vite root) alike, so both see the same prompts and compute the same keys.
/** @type {import('@herogen/core').HerogenConfig} */
export default {
  content: ['index.md', 'guide/*.md', 'reference/*.md'],
  // VitePress's home layout owns `hero:`; the prompts live in `cover:`.
  field: 'cover',
  outDir: '.vitepress/herogen',
  style:
    'soft painterly illustration, coastal palette of teal, sand and slate, calm light, no text',
};
