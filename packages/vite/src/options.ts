import { type HerogenConfig, HerogenError } from '@herogen/core';
import type { DeriveFormat, DeriveOptions, OgFormat } from '@herogen/core/derive';
import type { ReviewPageOptions } from './review-page.js';

/** Image options of the plugin: how each stored original is turned into responsive variants. */
export interface HerogenImageOptions {
  /**
   * Widths to produce; never above the original's width (the original width is used instead).
   * @default [640, 960, 1280, 1920]
   */
  widths?: number[];
  /**
   * Formats, best first; the last is the `<img src>` fallback.
   * @default ['avif', 'webp', 'jpeg']
   */
  formats?: DeriveFormat[];
  /**
   * Encoder quality 1–100 per format. (`quality` is the provider's quality of the original.)
   * @default { avif: 50, webp: 75, jpeg: 80 }
   */
  imageQuality?: Partial<Record<DeriveFormat, number>>;
  /**
   * AVIF encoder effort 0–9 (higher is smaller and much slower).
   * @default 4
   */
  avifEffort?: number;
  /**
   * Include a tiny blurred WebP data URI as `hero.placeholder` (`false` leaves it '', the
   * dominant colour is always there). A number sets its width in pixels.
   * @default true (16 px wide)
   */
  placeholder?: boolean | number;
  /**
   * Mark derivatives as AI-generated in XMP (IPTC DigitalSourceType `trainedAlgorithmicMedia`).
   * Offline placeholder art is never tagged.
   * @default false
   */
  tagAiGenerated?: boolean;
  /**
   * The `sizes` attribute handed out with every hero.
   * @default '100vw'
   */
  sizes?: string;
  /**
   * Format of the 1200×630 OG crop.
   * @default 'jpeg'
   */
  ogFormat?: OgFormat;
  /**
   * Originals encoded at once, each by one sharp pipeline sharing the cores. One holds one
   * AVIF encoder (~100 MB at 1920 px) at a time; `2` on a 2-core machine encodes ~25% faster
   * and peaks ~25% higher (BENCHMARKS.md, benchmark 5).
   * @default 1
   */
  encoders?: number;
  /**
   * A `herogen.config.*` file to load instead of the one at the root, or `false` to ignore it.
   */
  configFile?: string | false;
  /**
   * The dev-only review page at `<base>@herogen/` (never in a build). `false` turns it off;
   * `{ allowNonLoopback: true }` keeps it on when the dev server listens beyond this machine
   * (`--host`), for a network you trust.
   * @default true
   */
  review?: boolean | ReviewPageOptions;
}

/** Everything `herogen()` accepts: herogen config (wins over `herogen.config.*`) plus images. */
export type HerogenViteOptions = HerogenConfig & HerogenImageOptions;

export interface SplitOptions {
  core: HerogenConfig;
  derive: DeriveOptions;
  /** Emit the blur data URI in hero modules. */
  placeholder: boolean;
  sizes: string;
  /** sharp pipelines for the deriver (`encoders`), when set. */
  encoders?: number;
  configFile: string | false | undefined;
  /** The dev review page's options, or false when it is off. */
  review: ReviewPageOptions | false;
}

/** Pure: separate what core validates from what the plugin and the deriver use. */
export function splitOptions(options: HerogenViteOptions = {}): SplitOptions {
  const {
    widths,
    formats,
    imageQuality,
    avifEffort,
    placeholder,
    tagAiGenerated,
    sizes,
    ogFormat,
    encoders,
    configFile,
    review,
    ...core
  } = options;
  if (encoders !== undefined && !(Number.isInteger(encoders) && encoders >= 1)) {
    throw new HerogenError(
      'CONFIG_INVALID',
      `herogen() option \`encoders\` must be a whole number of 1 or more (got ${String(encoders)}).`,
      { hint: 'Leave it out for 1, or set e.g. `encoders: 2` in vite.config.' },
    );
  }
  const derive: DeriveOptions = {};
  if (widths !== undefined) derive.widths = widths;
  if (formats !== undefined) derive.formats = formats;
  if (imageQuality !== undefined) derive.quality = imageQuality;
  if (avifEffort !== undefined) derive.avifEffort = avifEffort;
  if (typeof placeholder === 'number') derive.placeholderWidth = placeholder;
  if (tagAiGenerated !== undefined) derive.tagAiGenerated = tagAiGenerated;
  if (ogFormat !== undefined) derive.ogFormat = ogFormat;
  return {
    core,
    derive,
    placeholder: placeholder !== false,
    sizes: sizes ?? '100vw',
    ...(encoders !== undefined ? { encoders } : {}),
    configFile,
    review: review === false ? false : review === true || review === undefined ? {} : review,
  };
}
