import { RESOLUTION_PIXELS } from '../image/sizing.js';
import type { GenerationRequest } from '../types.js';

/**
 * What size a stored image must have: exact pixels, or a ratio within a tolerance and (from
 * the request's resolution tier) at most so many pixels.
 */
export type ExpectedDimensions =
  | { width: number; height: number }
  | { aspect: string; maxPixels?: number };

/** Relative tolerance on the ratio for aspect-based requests (providers round to multiples). */
export const ASPECT_TOLERANCE = 0.02;

/**
 * Slack over a resolution tier's pixel budget: providers spread the budget over the ratio and
 * round each side, so an honest answer lands within a few percent of it, never at 1.5 times.
 */
const TIER_SLACK = 1.5;

/**
 * The most pixels herogen decodes from any answer (sharp's `limitInputPixels`): well above the
 * largest image any supported API makes (4K: 3840x2160 ≈ 8.3 MP), far below what would exhaust
 * memory. A 16000x16000 PNG compresses to under 1 MB but decodes to 768 MB.
 */
export const MAX_INPUT_PIXELS = 40_000_000;

const SIZE = /^(\d+)x(\d+)$/;
const ASPECT = /^(\d+(?:\.\d+)?)[:/x](\d+(?:\.\d+)?)$/;

/** Pure: the size a request implies, or undefined when it does not pin one (`size: auto`). */
export function resolveExpectedDimensions(
  request: GenerationRequest,
): ExpectedDimensions | undefined {
  const size = request.size ? SIZE.exec(request.size) : null;
  if (size) return { width: Number(size[1]), height: Number(size[2]) };
  if (request.aspect && ASPECT.test(request.aspect)) {
    const budget = request.resolution ? RESOLUTION_PIXELS[request.resolution] : undefined;
    return budget === undefined
      ? { aspect: request.aspect }
      : { aspect: request.aspect, maxPixels: Math.round(budget * TIER_SLACK) };
  }
  return undefined;
}

/** Pure: why `width`×`height` does not match, or undefined when it does. */
export function checkDimensions(
  expected: ExpectedDimensions,
  width: number,
  height: number,
): string | undefined {
  if ('width' in expected) {
    return width === expected.width && height === expected.height
      ? undefined
      : `is ${width}x${height} but the request asked for ${expected.width}x${expected.height}`;
  }
  if (expected.maxPixels !== undefined && width * height > expected.maxPixels) {
    return `is ${width}x${height} (${megapixels(width * height)}), more than the ${megapixels(expected.maxPixels)} the requested resolution allows`;
  }
  const match = ASPECT.exec(expected.aspect);
  if (!match) return undefined;
  const wanted = Number(match[1]) / Number(match[2]);
  const actual = width / height;
  return Math.abs(actual - wanted) / wanted <= ASPECT_TOLERANCE
    ? undefined
    : `is ${width}x${height} (ratio ${actual.toFixed(3)}) but the request asked for ${expected.aspect} (${wanted.toFixed(3)})`;
}

/** The pixel count a request can legitimately come back with: what decoding may cost at most. */
export function maxPixelsFor(expected: ExpectedDimensions | undefined): number {
  if (!expected) return MAX_INPUT_PIXELS;
  const pixels = 'width' in expected ? expected.width * expected.height : expected.maxPixels;
  return Math.min(pixels ?? MAX_INPUT_PIXELS, MAX_INPUT_PIXELS);
}

export function megapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toFixed(1)} MP`;
}
