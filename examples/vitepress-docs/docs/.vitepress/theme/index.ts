import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { h } from 'vue';
import HeroPicture from './HeroPicture.vue';
import './custom.css';

// The default theme, with each page's cover above the doc and in the home page's hero.
export default {
  extends: DefaultTheme,
  Layout: () =>
    h(DefaultTheme.Layout, null, {
      'doc-before': () => h(HeroPicture),
      'home-hero-image': () => h(HeroPicture, { home: true }),
    }),
} satisfies Theme;
