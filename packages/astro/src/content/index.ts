export type { HeroData } from './hero-value.js';
export { type HerogenLoaderOptions, herogenLoader, LOADER_NAME } from './loader.js';
export { heroSchema, ogImageOptions } from './schema.js';
