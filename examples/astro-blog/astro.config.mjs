// @ts-check
import mdx from '@astrojs/mdx';
import herogen from '@herogen/astro';
import { defineConfig } from 'astro/config';

export default defineConfig({
  site: 'https://herogen-blog.example',
  // Options shared with the `herogen` CLI live in herogen.config.mjs.
  integrations: [mdx(), herogen()],
});
