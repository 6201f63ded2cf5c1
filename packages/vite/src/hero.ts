/**
 * What `import hero from './post.md?hero'` and `virtual:herogen` give a page. Types only, with
 * no imports, so `@herogen/vite/client` can reference them from browser code.
 */

/** One `<source>` of a `<picture>`. */
export interface HeroSource {
  /** Media type, e.g. `image/avif`. */
  type: string;
  /** `url 640w, url 960w, …` */
  srcset: string;
}

export interface HeroImage {
  /** URL of the largest variant in the fallback format (the last of `formats`). */
  src: string;
  /** Every width of the fallback format. */
  srcset: string;
  /** The `sizes` attribute (plugin option `sizes`). */
  sizes: string;
  /** Dimensions of `src`. */
  width: number;
  height: number;
  /** Format of `src` (`jpeg` by default). */
  format: string;
  /** One entry per better format (AVIF, WebP), best first, for `<source>` elements. */
  sources: HeroSource[];
  /** A tiny blurred WebP as a `data:` URI, for a background while the image loads ('' when off). */
  placeholder: string;
  /** Dominant colour of the image, `#rrggbb`. */
  dominantColor: string;
  /** Alt text from frontmatter ('' for `decorative: true`). */
  alt: string;
  /** The 1200×630 crop for `og:image`. */
  og: { src: string; width: number; height: number };
  /** Cache key of the original (changes when the prompt or anything that shapes the image does). */
  key: string;
  /** `placeholder` while the image is an offline stand-in (no key, frozen, failed, dev). */
  status: 'generated' | 'placeholder';
  /** Root-relative path of the content file the hero comes from. */
  file: string;
}

/** `virtual:herogen`'s `heroes`: every hero of the site, keyed by root-relative content path. */
export type HeroMap = Record<string, HeroImage>;
