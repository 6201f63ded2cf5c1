/**
 * Contracts of the derive step: responsive variants, a placeholder and an OG crop made from one
 * stored original with sharp. Pure data shapes only.
 */

/** Formats a derivative can be encoded to. */
export type DeriveFormat = 'avif' | 'webp' | 'jpeg' | 'png';

/** Formats the OG crop can be encoded to (what social scrapers accept). */
export type OgFormat = 'jpeg' | 'webp';

/** An original: an absolute path, or its bytes. */
export type DeriveInput = string | Uint8Array;

export interface DeriveOptions {
  /**
   * Widths to produce, in pixels. Widths above the original's are dropped, and the original's
   * width is added when it is smaller than the largest asked for: never upscaled.
   * @default [640, 960, 1280, 1920]
   */
  widths?: number[];
  /**
   * Formats to produce, best first; the last is the fallback for `<img src>`.
   * @default ['avif', 'webp', 'jpeg']
   */
  formats?: DeriveFormat[];
  /**
   * Quality (1–100) per format.
   * @default { avif: 50, webp: 75, jpeg: 80, png: 100 }
   */
  quality?: Partial<Record<DeriveFormat, number>>;
  /**
   * AVIF encoder effort, 0 (fast) to 9 (small). AVIF is the slow one.
   * @default 4
   */
  avifEffort?: number;
  /**
   * Width of the blurred placeholder in pixels (encoded as a WebP data URI).
   * @default 16
   */
  placeholderWidth?: number;
  /**
   * Format of the 1200×630 OG crop.
   * @default 'jpeg'
   */
  ogFormat?: OgFormat;
  /**
   * Tag every derivative as AI-generated: XMP with IPTC DigitalSourceType
   * `trainedAlgorithmicMedia`. Otherwise all metadata is stripped.
   * @default false
   */
  tagAiGenerated?: boolean;
}

export interface ResolvedDeriveOptions {
  widths: number[];
  formats: DeriveFormat[];
  quality: Record<DeriveFormat, number>;
  avifEffort: number;
  placeholderWidth: number;
  ogFormat: OgFormat;
  tagAiGenerated: boolean;
}

/** The original a set was made from. */
export interface OriginalInfo {
  width: number;
  height: number;
  /** Format as sharp reads it (`png`, `jpeg`, `webp`, …). */
  format: string;
  sha256: string;
}

export interface DerivedImage {
  width: number;
  height: number;
  format: DeriveFormat;
  /** Absolute path of the cached file. */
  path: string;
  /** File size in bytes (0 when planned but not encoded yet, see `Deriver.plan`). */
  bytes: number;
}

export interface DerivedSet {
  original: OriginalInfo;
  /** Every variant, grouped by format in the order asked for, widths ascending. */
  images: DerivedImage[];
  /** A tiny blurred WebP as a `data:` URI, for a background while the image loads. */
  placeholder: string;
  /** `#rrggbb`. */
  dominantColor: string;
  og: DerivedImage;
}

/** How much work the deriver did; tests and benchmarks assert on these. */
export interface DeriveCounters {
  /** sharp encodes run (variants, OG crops, placeholders). */
  encoded: number;
  /** Derivatives served from the disk cache after verification. */
  cacheHits: number;
  /** Cache entries found damaged (wrong size, wrong magic bytes) and rebuilt. */
  rebuilt: number;
}
