import type { GenerationRequest } from '../types.js';

/** What size a stored image must have: exact pixels, or a ratio within a tolerance. */
export type ExpectedDimensions = { width: number; height: number } | { aspect: string };

/** Relative tolerance on the ratio for aspect-based requests (providers round to multiples). */
export const ASPECT_TOLERANCE = 0.02;

const SIZE = /^(\d+)x(\d+)$/;
const ASPECT = /^(\d+(?:\.\d+)?)[:/x](\d+(?:\.\d+)?)$/;

/** Pure: the size a request implies, or undefined when it does not pin one (`size: auto`). */
export function resolveExpectedDimensions(
  request: GenerationRequest,
): ExpectedDimensions | undefined {
  const size = request.size ? SIZE.exec(request.size) : null;
  if (size) return { width: Number(size[1]), height: Number(size[2]) };
  if (request.aspect && ASPECT.test(request.aspect)) return { aspect: request.aspect };
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
  const match = ASPECT.exec(expected.aspect);
  if (!match) return undefined;
  const wanted = Number(match[1]) / Number(match[2]);
  const actual = width / height;
  return Math.abs(actual - wanted) / wanted <= ASPECT_TOLERANCE
    ? undefined
    : `is ${width}x${height} (ratio ${actual.toFixed(3)}) but the request asked for ${expected.aspect} (${wanted.toFixed(3)})`;
}
