// @ts-check
import starlight from '@astrojs/starlight';
import herogen from '@herogen/astro';
import { defineConfig } from 'astro/config';

export default defineConfig({
  site: 'https://lanternfish-docs.example',
  integrations: [
    starlight({
      title: 'Lanternfish',
      description: 'Docs for an imaginary deep-sea observatory, with cover images from prompts.',
      sidebar: [
        { label: 'Start here', items: ['getting-started'] },
        { label: 'Guides', items: [{ autogenerate: { directory: 'guides' } }] },
      ],
      // Shows each page's generated `cover` above its title.
      components: { PageTitle: './src/components/CoverPageTitle.astro' },
    }),
    // Starlight owns the `hero` field (splash pages), so herogen reads prompts from `cover`.
    herogen({
      field: 'cover',
      style: 'cinematic underwater photography, deep blue tones, bioluminescent accents, no text',
      aspect: '21:9',
    }),
  ],
});
