export { type CacheManifest, resolveCacheDir } from './cache.js';
export { DERIVE_DEFAULTS, DERIVE_VERSION, MEDIA_TYPES, OG_HEIGHT, OG_WIDTH } from './defaults.js';
export {
  createDeriver,
  type Deriver,
  type DeriverOptions,
  deriveImage,
  getDeriver,
} from './deriver.js';
export { sniffFormat } from './magic.js';
export { computeHeight, computeWidths } from './plan.js';
export { resolveDeriveOptions } from './resolve-options.js';
export type {
  DeriveCounters,
  DerivedImage,
  DerivedSet,
  DeriveFormat,
  DeriveInput,
  DeriveOptions,
  OgFormat,
  OriginalInfo,
  ResolvedDeriveOptions,
} from './types.js';
export { AI_GENERATED_XMP, TRAINED_ALGORITHMIC_MEDIA } from './xmp.js';
