import { resolve } from 'node:path';
import herogen from '@herogen/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    // Prompts come from posts/*.md (see herogen.config.mjs). No API key: offline art.
    herogen({
      widths: [480, 960, 1440],
      sizes: '(min-width: 1040px) 960px, 100vw',
    }),
  ],
  build: {
    rolldownOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        post: resolve(import.meta.dirname, 'post.html'),
      },
    },
  },
});
