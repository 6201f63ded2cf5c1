import { type DerivedImage, type DerivedSet, MEDIA_TYPES } from '@herogen/core/derive';
import type { HeroEntry } from './entries.js';
import type { HeroImage, HeroMap } from './hero.js';

export interface HeroImageContext {
  sizes: string;
  /** Include the blur data URI. */
  placeholder: boolean;
  /** URL of a derivative: an asset placeholder in build, a middleware path in dev. */
  urlOf(image: DerivedImage): string;
}

function srcsetOf(images: DerivedImage[], urlOf: (image: DerivedImage) => string): string {
  return images.map((image) => `${urlOf(image)} ${image.width}w`).join(', ');
}

/** Pure: the object a page imports, from a derived set and what the plan knows. */
export function toHeroImage(
  entry: HeroEntry,
  set: DerivedSet,
  context: HeroImageContext,
): HeroImage {
  const formats = [...new Set(set.images.map((image) => image.format))];
  const fallbackFormat = formats[formats.length - 1];
  const fallback = set.images.filter((image) => image.format === fallbackFormat);
  const largest = fallback[fallback.length - 1];
  if (!fallbackFormat || !largest) throw new Error(`No variants were derived for ${entry.file}.`);
  return {
    src: context.urlOf(largest),
    srcset: srcsetOf(fallback, context.urlOf),
    sizes: context.sizes,
    width: largest.width,
    height: largest.height,
    format: fallbackFormat,
    sources: formats.slice(0, -1).map((format) => ({
      type: MEDIA_TYPES[format],
      srcset: srcsetOf(
        set.images.filter((image) => image.format === format),
        context.urlOf,
      ),
    })),
    placeholder: context.placeholder ? set.placeholder : '',
    dominantColor: set.dominantColor,
    alt: entry.alt,
    og: { src: context.urlOf(set.og), width: set.og.width, height: set.og.height },
    key: entry.key,
    status: entry.status,
    file: entry.file,
  };
}

/** JS of a `?hero` module. Asset placeholders inside the strings are rewritten by Vite. */
export function heroModuleCode(hero: HeroImage): string {
  return `export default ${JSON.stringify(hero, null, 2)};\n`;
}

/** JS of `virtual:herogen`. */
export function virtualModuleCode(heroes: HeroMap): string {
  return `export const heroes = ${JSON.stringify(heroes, null, 2)};\nexport default heroes;\n`;
}
