export type { HeroImage, HeroMap, HeroSource } from './hero.js';
export type { HerogenImageOptions, HerogenViteOptions } from './options.js';
export {
  type HerogenPlugin,
  type HerogenPluginApi,
  herogen,
  herogen as default,
} from './plugin.js';
