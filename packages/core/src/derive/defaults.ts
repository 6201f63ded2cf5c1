import type { DeriveFormat, ResolvedDeriveOptions } from './types.js';

/** Bump when anything that changes derived bytes changes (encoder settings, crop, recipe). */
export const DERIVE_VERSION = 1;

export const DERIVE_DEFAULTS = {
  widths: [640, 960, 1280, 1920],
  formats: ['avif', 'webp', 'jpeg'],
  quality: { avif: 50, webp: 75, jpeg: 80, png: 100 },
  avifEffort: 4,
  placeholderWidth: 16,
  ogFormat: 'jpeg',
  tagAiGenerated: false,
} satisfies ResolvedDeriveOptions;

export const OG_WIDTH = 1200;
export const OG_HEIGHT = 630;

/** Quality of the placeholder WebP: it is blurred by scaling anyway, bytes matter more. */
export const PLACEHOLDER_QUALITY = 40;

export const MEDIA_TYPES: Record<DeriveFormat, string> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export const EXTENSIONS: Record<DeriveFormat, string> = {
  avif: 'avif',
  webp: 'webp',
  jpeg: 'jpg',
  png: 'png',
};
