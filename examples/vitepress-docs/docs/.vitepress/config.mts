import herogen from '@herogen/vite';
import { defineConfig } from 'vitepress';

/** Where the site is deployed: `og:image` must be an absolute URL for scrapers. */
const SITE = 'https://tidewater.example';

// One plugin instance: the theme imports its heroes (virtual:herogen), transformHead reads the
// same heroes in Node. Which files and field hold the prompts is in docs/herogen.config.mjs.
const images = herogen({
  widths: [480, 960, 1440],
  // The doc column is at most 688 px wide.
  sizes: '(min-width: 960px) 688px, 100vw',
});

export default defineConfig({
  title: 'Tidewater',
  description: 'Tide tables for your terminal: a herogen example on VitePress.',
  cleanUrls: true,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  vite: { plugins: [images] },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/what-is-tidewater' },
      { text: 'Reference', link: '/reference/cli' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'What is Tidewater?', link: '/guide/what-is-tidewater' },
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Stations', link: '/guide/stations' },
          { text: 'Forecasts', link: '/guide/forecasts' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Command line', link: '/reference/cli' },
          { text: 'Configuration', link: '/reference/config' },
        ],
      },
    ],
    footer: {
      message:
        'Cover images: VitePress + @herogen/vite. Offline placeholder art until an API key is set.',
    },
  },
  // Every page shares its cover's 1200×630 crop with link previews.
  async transformHead({ pageData }) {
    const hero = (await images.api.heroes())[pageData.filePath];
    if (!hero) return [];
    return [
      ['meta', { property: 'og:image', content: new URL(hero.og.src, SITE).href }],
      ['meta', { property: 'og:image:width', content: String(hero.og.width) }],
      ['meta', { property: 'og:image:height', content: String(hero.og.height) }],
      ['meta', { property: 'og:image:alt', content: hero.alt }],
      ['meta', { name: 'twitter:card', content: 'summary_large_image' }],
    ];
  },
});
