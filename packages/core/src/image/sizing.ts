/**
 * Pure pixel-size rules. OpenAI's gpt-image-2 (and 2.5, 2.6) take any `WxH` within fixed limits;
 * hiapi takes an aspect ratio from a per-model list plus a 1K/2K/4K tier. These helpers pick
 * sizes that pass those limits, explain sizes that do not, and map between the two worlds.
 */
import { HerogenError } from '../errors.js';
import type { RequestIssue, Resolution } from '../types.js';

export interface Aspect {
  w: number;
  h: number;
}

export interface PixelSize {
  width: number;
  height: number;
}

/** OpenAI's size limits for gpt-image-2 and later (providers.md §1.3). */
export const OPENAI_SIZE_LIMITS = {
  /** Both sides must be multiples of this. */
  multiple: 16,
  /** Longest side over shortest side, at most (1:3..3:1). */
  maxRatio: 3,
  maxEdge: 3840,
  minPixels: 655_360,
  maxPixels: 8_294_400,
} as const;

/**
 * Pixel budget per tier. 1K and 2K are 1024² and 2048²; 4K is the largest image OpenAI allows
 * (3840x2160), which also caps the longest edge.
 */
export const RESOLUTION_PIXELS: Readonly<Record<Resolution, number>> = {
  '1K': 1_048_576,
  '2K': 4_194_304,
  '4K': OPENAI_SIZE_LIMITS.maxPixels,
};

/**
 * Results of the pure size functions, per argument string: a plan of 20,000 heroes asks the
 * same few questions 20,000 times. Bounded, so a long dev session cannot grow them for ever.
 */
const REMEMBERED_MAX = 512;
const SIZES = new Map<string, string>();
const SIZE_ISSUES = new Map<string, readonly RequestIssue[]>();
const HIAPI_ASPECTS = new Map<string, string>();

function remembered<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute(); // a throw is not remembered: bad input is told every time
  if (cache.size >= REMEMBERED_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

const ASPECT_RE = /^(\d{1,5}):(\d{1,5})$/;
const SIZE_RE = /^(\d{1,5})x(\d{1,5})$/;
const { multiple: M, maxRatio, maxEdge, minPixels, maxPixels } = OPENAI_SIZE_LIMITS;

/** `'16:9'` → `{ w: 16, h: 9 }`. Throws `REQUEST_INVALID` for anything else. */
export function parseAspect(aspect: string): Aspect {
  const match = ASPECT_RE.exec(aspect.trim());
  const w = Number(match?.[1]);
  const h = Number(match?.[2]);
  if (!match || w <= 0 || h <= 0) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `Aspect ratio "${aspect}" is not WIDTH:HEIGHT; use two whole numbers like "16:9".`,
    );
  }
  return { w, h };
}

/** `'1536x864'` → `{ width: 1536, height: 864 }`. Throws `REQUEST_INVALID` for anything else. */
export function parseSize(size: string): PixelSize {
  const parsed = tryParseSize(size);
  if (!parsed) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `Size "${size}" is not WIDTHxHEIGHT in pixels; use something like "1536x864".`,
    );
  }
  return parsed;
}

export function formatSize(size: PixelSize): string {
  return `${size.width}x${size.height}`;
}

/** True when OpenAI accepts this exact pixel size. */
export function isValidOpenAISize(width: number, height: number): boolean {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    return false;
  }
  const pixels = width * height;
  return (
    width % M === 0 &&
    height % M === 0 &&
    Math.max(width, height) <= maxEdge &&
    Math.max(width, height) <= maxRatio * Math.min(width, height) &&
    pixels >= minPixels &&
    pixels <= maxPixels
  );
}

/**
 * Everything OpenAI would reject about `size`, one issue per broken rule, each ending with
 * sizes that would work. Empty when the size is fine.
 */
export function validateOpenAISize(size: string, field = 'size'): RequestIssue[] {
  // Every hero of a site usually asks for the same size: worked out once per size and field.
  return [...remembered(SIZE_ISSUES, `${size}\n${field}`, () => sizeIssues(size, field))];
}

function sizeIssues(size: string, field: string): RequestIssue[] {
  const parsed = tryParseSize(size);
  if (!parsed) {
    return [
      {
        field,
        message: `"${size}" is not WIDTHxHEIGHT in pixels; use something like 1536x864`,
      },
    ];
  }
  const { width, height } = parsed;
  if (isValidOpenAISize(width, height)) return [];

  const problems: string[] = [];
  const off16 = [
    width % M !== 0 ? `width ${width}` : undefined,
    height % M !== 0 ? `height ${height}` : undefined,
  ].filter((side) => side !== undefined);
  if (off16.length === 1) problems.push(`${off16[0]} is not a multiple of ${M}`);
  if (off16.length === 2) problems.push(`${off16.join(' and ')} are not multiples of ${M}`);
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (long > maxRatio * short) {
    const ratio = width >= height ? `${trim(width / height)}:1` : `1:${trim(height / width)}`;
    problems.push(`the aspect ratio ${ratio} is outside 1:3..3:1`);
  }
  if (long > maxEdge) problems.push(`the longest edge ${long} is over ${maxEdge}`);
  const pixels = width * height;
  if (pixels < minPixels) {
    problems.push(`${group(pixels)} pixels is under the ${group(minPixels)} minimum`);
  }
  if (pixels > maxPixels) {
    problems.push(`${group(pixels)} pixels is over the ${group(maxPixels)} maximum`);
  }

  const suggestions = suggestSizes(width, height);
  const instead = suggestions.length > 0 ? `; use ${suggestions.join(' or ')}` : '';
  return problems.map((problem) => ({ field, message: `${size}: ${problem}${instead}` }));
}

/**
 * The valid OpenAI size closest to `aspect` at the tier's pixel budget.
 *
 * Takes the ideal (fractional) width and height at the budget, shrunk to fit the longest-edge
 * limit, and tries each side rounded down and up to a multiple of 16. Of those, the valid size
 * with the least ratio error wins; ties go to the area closest to the budget. So 16:9 at 1K is
 * 1360x768 (ratio off by 0.4%) rather than 1376x768 (0.8%) or an exact 16:9 size such as
 * 1280x720 that misses the budget by 12%. 4K is the largest valid size: 3840x2160 for 16:9,
 * 2880x2880 for 1:1.
 */
export function sizeForAspect(aspect: string, resolution: Resolution): string {
  return remembered(SIZES, `${aspect}\n${resolution}`, () =>
    computeSizeForAspect(aspect, resolution),
  );
}

function computeSizeForAspect(aspect: string, resolution: Resolution): string {
  const ratio = parseAspect(aspect);
  const long = Math.max(ratio.w, ratio.h);
  const short = Math.min(ratio.w, ratio.h);
  if (long > maxRatio * short) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `Aspect ratio ${aspect} is outside 1:3..3:1, which the image models cannot produce; use a ratio within that range.`,
    );
  }
  const budget = RESOLUTION_PIXELS[resolution];
  if (budget === undefined) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `Resolution "${resolution}" is not one of 1K, 2K or 4K; use one of those.`,
    );
  }
  const size = closestSize(ratio, budget);
  // Unreachable for ratios within 1:3..3:1; kept so a logic error fails loudly.
  if (!size)
    throw new HerogenError('INTERNAL', `No valid size found for ${aspect} at ${resolution}.`);
  return formatSize(size);
}

/** hiapi's `aspect_ratio` values per model (providers.md §2). `auto` is listed where allowed. */
const HIAPI_ASPECTS_FULL = [
  'auto',
  '1:1',
  '3:2',
  '2:3',
  '4:3',
  '3:4',
  '5:4',
  '4:5',
  '16:9',
  '9:16',
  '2:1',
  '1:2',
  '3:1',
  '1:3',
  '21:9',
  '9:21',
] as const;
const HIAPI_ASPECTS_PRO = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

/**
 * The aspect ratios hiapi accepts for `model`. Pro models have the shorter list (the
 * image-to-image pro model adds `auto`); every other name, including models this table does not
 * know, gets the full gpt-image-2 list.
 */
export function hiapiAspects(model: string): readonly string[] {
  if (model === 'gpt-image-2-image-to-image-pro') return ['auto', ...HIAPI_ASPECTS_PRO];
  if (model.endsWith('-pro')) return HIAPI_ASPECTS_PRO;
  return HIAPI_ASPECTS_FULL;
}

/**
 * The ratio from hiapi's list for `model` closest to `aspect` (by log-ratio distance; ties go
 * to the earlier list entry). `auto` stays `auto` where the model allows it, else becomes 1:1.
 */
export function nearestHiapiAspect(aspect: string, model: string): string {
  return remembered(HIAPI_ASPECTS, `${aspect}\n${model}`, () =>
    computeNearestHiapiAspect(aspect, model),
  );
}

function computeNearestHiapiAspect(aspect: string, model: string): string {
  const allowed = hiapiAspects(model);
  if (aspect.trim() === 'auto') return allowed.includes('auto') ? 'auto' : '1:1';
  const wanted = parseAspect(aspect);
  let best = '1:1';
  let bestError = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    if (candidate === 'auto') continue;
    const { w, h } = parseAspect(candidate);
    const error = Math.abs(Math.log((w * wanted.h) / (h * wanted.w)));
    if (error < bestError - 1e-12) {
      best = candidate;
      bestError = error;
    }
  }
  return best;
}

/**
 * The pixel size hiapi is assumed to return for an aspect ratio and tier. hiapi does not
 * document it; it fronts gpt-image-2, so we assume it renders the closest valid gpt-image-2
 * size at 1K ≈ 1 MP, 2K ≈ 4 MP, 4K ≈ 8.3 MP: the same mapping as `sizeForAspect` (and the mock
 * API). `auto` is taken as 1:1. Used to size placeholders for hiapi requests.
 */
export function hiapiSize(aspect: string, resolution: Resolution): string {
  return sizeForAspect(aspect.trim() === 'auto' ? '1:1' : aspect, resolution);
}

function tryParseSize(size: string): PixelSize | undefined {
  const match = SIZE_RE.exec(size.trim());
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Absolute log of the ratio error, computed on integers so exact matches are exactly 0. */
function ratioError(width: number, height: number, ratio: Aspect): number {
  return Math.abs(Math.log((width * ratio.h) / (height * ratio.w)));
}

const floorM = (value: number) => M * Math.floor(value / M + 1e-9);
const ceilM = (value: number) => M * Math.ceil(value / M - 1e-9);

/** See `sizeForAspect`. Widens the search step by step if no corner of the grid is valid. */
function closestSize(ratio: Aspect, budget: number): PixelSize | undefined {
  let width = Math.sqrt((budget * ratio.w) / ratio.h);
  let height = Math.sqrt((budget * ratio.h) / ratio.w);
  const shrink = Math.min(1, maxEdge / Math.max(width, height));
  width *= shrink;
  height *= shrink;
  for (let spread = 0; spread <= 8; spread++) {
    let best: PixelSize | undefined;
    let bestKey: [number, number, number] | undefined;
    for (let i = -spread; i <= spread + 1; i++) {
      for (let j = -spread; j <= spread + 1; j++) {
        const w = (i <= 0 ? floorM(width) : ceilM(width)) + M * (i <= 0 ? i : i - 1);
        const h = (j <= 0 ? floorM(height) : ceilM(height)) + M * (j <= 0 ? j : j - 1);
        if (!isValidOpenAISize(w, h)) continue;
        const key: [number, number, number] = [
          ratioError(w, h, ratio),
          Math.abs(w * h - budget),
          -w * h,
        ];
        if (!bestKey || compareKeys(key, bestKey) < 0) {
          best = { width: w, height: h };
          bestKey = key;
        }
      }
    }
    if (best) return best;
  }
  return undefined;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (Math.abs(diff) > 1e-12) return diff;
  }
  return 0;
}

/**
 * Up to two valid sizes near an invalid one: its sides rounded to multiples of 16, the size of
 * exactly the same ratio closest in area, then the closest size with ratio and area clamped
 * into range.
 */
function suggestSizes(width: number, height: number): string[] {
  const out: string[] = [];
  const add = (size: PixelSize | undefined) => {
    if (!size || !isValidOpenAISize(size.width, size.height)) return;
    const text = formatSize(size);
    if (!out.includes(text)) out.push(text);
  };
  add({ width: M * Math.round(width / M), height: M * Math.round(height / M) });
  add(exactRatioSize(width, height));
  const ratio: Aspect =
    width > maxRatio * height
      ? { w: maxRatio, h: 1 }
      : height > maxRatio * width
        ? { w: 1, h: maxRatio }
        : { w: width, h: height };
  add(closestSize(ratio, Math.min(Math.max(width * height, minPixels), maxPixels)));
  return out.slice(0, 2);
}

/** The valid size with exactly `width:height`'s ratio closest in area to it, if any. */
function exactRatioSize(width: number, height: number): PixelSize | undefined {
  const divisor = gcd(width, height);
  const p = width / divisor;
  const q = height / divisor;
  // Smallest multiplier that makes both p·k and q·k multiples of 16.
  const step = lcm(M / gcd(M, p), M / gcd(M, q));
  let best: PixelSize | undefined;
  for (let k = step; k * Math.max(p, q) <= maxEdge; k += step) {
    const size = { width: p * k, height: q * k };
    if (!isValidOpenAISize(size.width, size.height)) continue;
    const distance = Math.abs(size.width * size.height - width * height);
    if (!best || distance < Math.abs(best.width * best.height - width * height)) best = size;
  }
  return best;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

function trim(value: number): string {
  return Number(value.toFixed(2)).toString();
}

function group(value: number): string {
  return value.toLocaleString('en-US');
}
