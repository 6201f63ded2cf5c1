/** What a hero asks for, from frontmatter to the exact request a provider makes, and its cost. */

export type ImageFormat = 'png' | 'webp' | 'jpeg';
export type Background = 'auto' | 'opaque' | 'transparent';
export type Resolution = '1K' | '2K' | '4K';

/** A reference image named in frontmatter, resolved and hashed by the scanner. */
export interface ReferenceImage {
  /** Root-relative POSIX path. */
  path: string;
  sha256: string;
}

/**
 * The hero field of one content file, as the author wrote it (after shorthand expansion and
 * validation). `prompt` is undefined for `hero: auto`.
 */
export interface HeroSpec {
  prompt?: string;
  auto: boolean;
  alt?: string;
  decorative: boolean;
  aspect?: string;
  size?: string;
  resolution?: Resolution;
  quality?: string;
  model?: string;
  provider?: string;
  format?: ImageFormat;
  background?: Background;
  /** A string replaces the site style for this hero; `false` opts out of it. */
  style?: string | false;
  variant?: number;
  /** Root-relative paths as the author wrote them, resolved by the scanner. */
  references?: string[];
}

/** One hero found in one content file. */
export interface ContentHero {
  /** Root-relative POSIX path of the content file. */
  file: string;
  /** 1-based line of the hero field in that file. */
  line: number;
  /** Frontmatter field name the hero came from (config `field`). */
  field: string;
  spec: HeroSpec;
  /** References resolved and hashed, in the order written. */
  references: ReferenceImage[];
  title?: string;
  description?: string;
}

/**
 * What a hero asks for once site defaults, style and template are applied, before a provider
 * turns it into its own request shape.
 */
export interface HeroIntent {
  prompt: string;
  aspect: string;
  size?: string;
  resolution: Resolution;
  quality: string;
  model?: string;
  background: Background;
  format: ImageFormat;
  references: ReferenceImage[];
  variant: number;
}

/**
 * The exact request a provider makes: everything that changes the pixels, nothing cosmetic.
 * This object (minus reference paths) is what the cache key hashes.
 */
export interface GenerationRequest {
  provider: string;
  model: string;
  prompt: string;
  /** Exact pixel size, `WxH`, for providers that take one (OpenAI, local). */
  size?: string;
  /** Ratio and tier, for providers that take those instead of pixels (hiapi, Gemini). */
  aspect?: string;
  resolution?: Resolution;
  quality?: string;
  background?: Background;
  format: ImageFormat;
  references: ReferenceImage[];
  variant: number;
}

export type CostConfidence = 'exact' | 'estimate' | 'unknown';

export interface CostEstimate {
  /** `null` when unknown: shown as unknown, never as $0. */
  usd: number | null;
  confidence: CostConfidence;
  /** Set when `usd` is the median of this many exact costs recorded for the same kind of image. */
  calibratedFrom?: number;
}
