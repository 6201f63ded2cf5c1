/**
 * Pure planning of a derived set: which widths, which encodes, and the cache name of each.
 * No I/O here, so the recipe is pinned by unit tests.
 */
import { createHash } from 'node:crypto';
import {
  DERIVE_VERSION,
  EXTENSIONS,
  OG_HEIGHT,
  OG_WIDTH,
  PLACEHOLDER_QUALITY,
} from './defaults.js';
import type { DeriveFormat, OgFormat, ResolvedDeriveOptions } from './types.js';

/** One encode: everything that changes its bytes. Hashed into the cache name. */
export interface Transform {
  kind: 'variant' | 'og';
  width: number;
  height: number;
  format: DeriveFormat;
  quality: number;
  /** AVIF only: other encoders ignore it, so it must not change their names. */
  effort?: number;
  tagAiGenerated: boolean;
}

/** A transform plus the file name it is cached under (inside the original's directory). */
export interface PlannedTransform {
  transform: Transform;
  fileName: string;
}

/**
 * Widths to produce for an original `originalWidth` wide: the requested widths that fit, plus
 * the original width when it is narrower than the largest requested. Never upscales.
 */
export function computeWidths(requested: readonly number[], originalWidth: number): number[] {
  const sorted = [...new Set(requested)].sort((a, b) => a - b);
  const fit = sorted.filter((width) => width <= originalWidth);
  const largest = sorted[sorted.length - 1] ?? originalWidth;
  if (originalWidth < largest && !fit.includes(originalWidth)) fit.push(originalWidth);
  return fit;
}

/** Height of a `width`-wide variant that keeps the original's aspect ratio (at least 1). */
export function computeHeight(width: number, original: { width: number; height: number }): number {
  return Math.max(1, Math.round((original.height * width) / original.width));
}

/** JSON with object keys sorted, so equal values always hash equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 16 hex chars of sha256 over the canonical transform and DERIVE_VERSION. */
export function hashTransform(transform: Transform | PlaceholderTransform): string {
  return createHash('sha256')
    .update(canonicalJson({ v: DERIVE_VERSION, ...transform }))
    .digest('hex')
    .slice(0, 16);
}

export function toFileName(transform: Transform): string {
  const prefix = transform.kind === 'og' ? 'og' : String(transform.width);
  return `${prefix}-${hashTransform(transform)}.${EXTENSIONS[transform.format]}`;
}

function variant(
  width: number,
  height: number,
  format: DeriveFormat,
  options: ResolvedDeriveOptions,
): Transform {
  return {
    kind: 'variant',
    width,
    height,
    format,
    quality: options.quality[format],
    ...(format === 'avif' ? { effort: options.avifEffort } : {}),
    tagAiGenerated: options.tagAiGenerated,
  };
}

/** Every variant of an original, grouped by format in the order asked for, widths ascending. */
export function planVariants(
  original: { width: number; height: number },
  options: ResolvedDeriveOptions,
): PlannedTransform[] {
  const widths = computeWidths(options.widths, original.width);
  return options.formats.flatMap((format) =>
    widths.map((width) => {
      const transform = variant(width, computeHeight(width, original), format, options);
      return { transform, fileName: toFileName(transform) };
    }),
  );
}

export function planOg(options: ResolvedDeriveOptions): PlannedTransform {
  const format: OgFormat = options.ogFormat;
  const transform: Transform = {
    kind: 'og',
    width: OG_WIDTH,
    height: OG_HEIGHT,
    format,
    quality: options.quality[format],
    tagAiGenerated: options.tagAiGenerated,
  };
  return { transform, fileName: toFileName(transform) };
}

/** The placeholder is kept in the manifest as a data URI, keyed by this transform's hash. */
export interface PlaceholderTransform {
  kind: 'placeholder';
  width: number;
  format: 'webp';
  quality: number;
}

export function planPlaceholder(options: ResolvedDeriveOptions): PlaceholderTransform {
  return {
    kind: 'placeholder',
    width: options.placeholderWidth,
    format: 'webp',
    quality: PLACEHOLDER_QUALITY,
  };
}
