export const HIAPI_PROMPT_MAX = 20_000;

const STANDARD_RATIOS = [
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
const PRO_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

interface HiapiModelSpec {
  ratios: readonly string[];
  defaultRatio: string;
  resolutions: readonly string[];
  needsInputs: boolean;
}

export const HIAPI_MODELS: Record<string, HiapiModelSpec> = {
  'gpt-image-2': {
    ratios: STANDARD_RATIOS,
    defaultRatio: 'auto',
    resolutions: ['1K', '2K', '4K'],
    needsInputs: false,
  },
  'gpt-image-2-image-to-image': {
    ratios: STANDARD_RATIOS,
    defaultRatio: 'auto',
    resolutions: ['1K', '2K', '4K'],
    needsInputs: true,
  },
  'gpt-image-2-pro': {
    ratios: PRO_RATIOS,
    defaultRatio: '1:1',
    resolutions: ['1K', '2K'],
    needsInputs: false,
  },
  'gpt-image-2-image-to-image-pro': {
    ratios: ['auto', ...PRO_RATIOS],
    defaultRatio: 'auto',
    resolutions: ['1K', '2K'],
    needsInputs: true,
  },
};

/** Target pixel budget per resolution tier. */
export const HIAPI_TIER_PIXELS: Record<string, number> = {
  '1K': 1024 * 1024,
  '2K': 2048 * 2048,
  '4K': 3840 * 2160,
};
const MAX_EDGE = 3840;

export interface ResolvedHiapiTask {
  model: string;
  prompt: string;
  aspectRatio: string;
  resolution: string;
  inputUrls: string[];
  width: number;
  height: number;
}

type Result =
  | { ok: true; value: ResolvedHiapiTask }
  | { ok: false; status: number; message: string; errorCode: string };

const invalid = (message: string): Result => ({
  ok: false,
  status: 400,
  message: `invalid request: ${message}`,
  errorCode: 'INVALID_REQUEST',
});

/** Validate a `POST /v1/tasks` body against the per-model tables in providers.md §2. */
export function resolveHiapiTask(body: unknown): Result {
  if (!isObject(body)) return invalid('body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!['model', 'input', 'callback'].includes(key)) return invalid(`unknown field "${key}"`);
  }
  const model = body.model;
  if (typeof model !== 'string' || model === '') return invalid('"model" is required');
  const spec = HIAPI_MODELS[model];
  if (!spec) {
    return invalid(
      `model "${model}" is not supported; use one of ${Object.keys(HIAPI_MODELS).join(', ')}`,
    );
  }
  const input = body.input;
  if (!isObject(input)) return invalid('"input" must be an object');
  for (const key of Object.keys(input)) {
    if (!['prompt', 'aspect_ratio', 'resolution', 'input_urls'].includes(key)) {
      return invalid(`unknown field "input.${key}"`);
    }
  }
  const prompt = input.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '')
    return invalid('"input.prompt" is required');
  if (prompt.length > HIAPI_PROMPT_MAX) {
    return invalid(`"input.prompt" is longer than ${HIAPI_PROMPT_MAX} characters`);
  }
  const aspectRatio = input.aspect_ratio ?? spec.defaultRatio;
  if (typeof aspectRatio !== 'string' || !spec.ratios.includes(aspectRatio)) {
    return invalid(
      `aspect_ratio "${String(aspectRatio)}" is not supported by ${model}; use one of ${spec.ratios.join(', ')}`,
    );
  }
  const resolution = input.resolution ?? '1K';
  if (typeof resolution !== 'string' || !spec.resolutions.includes(resolution)) {
    return invalid(
      `resolution "${String(resolution)}" is not supported by ${model}; use one of ${spec.resolutions.join(', ')}`,
    );
  }
  if (aspectRatio === 'auto' && resolution !== '1K') {
    return invalid('aspect_ratio "auto" only works with resolution "1K"');
  }
  if (aspectRatio === '1:1' && resolution === '4K') {
    return invalid('aspect_ratio "1:1" cannot be combined with resolution "4K"');
  }
  let inputUrls: string[] = [];
  if (input.input_urls !== undefined) {
    const urls = input.input_urls;
    if (
      !Array.isArray(urls) ||
      !urls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u))
    ) {
      return invalid('"input.input_urls" must be an array of http(s) URLs');
    }
    inputUrls = urls as string[];
  }
  if (spec.needsInputs && (inputUrls.length < 1 || inputUrls.length > 5)) {
    return invalid(`${model} requires "input.input_urls" with 1 to 5 URLs`);
  }
  if (body.callback !== undefined) {
    const cb = body.callback;
    if (!isObject(cb) || typeof cb.url !== 'string' || !/^https?:\/\//.test(cb.url)) {
      return invalid('"callback.url" must be an http(s) URL');
    }
    if (cb.when !== undefined && cb.when !== 'final')
      return invalid('"callback.when" only accepts "final"');
  }
  const { width, height } = computeHiapiSize(aspectRatio, resolution);
  return {
    ok: true,
    value: { model, prompt, aspectRatio, resolution, inputUrls, width, height },
  };
}

/**
 * Output pixels for a ratio and tier: the tier's pixel budget (1K = 1024², 2K = 2048²,
 * 4K = 3840×2160) spread over the ratio, both sides rounded to a multiple of 16, then scaled
 * down so the longest edge is at most 3840. `auto` renders as 1:1.
 */
export function computeHiapiSize(
  aspectRatio: string,
  resolution: string,
): { width: number; height: number } {
  const [rw, rh] = aspectRatio === 'auto' ? [1, 1] : aspectRatio.split(':').map(Number);
  const ratio = (rw ?? 1) / (rh ?? 1);
  const pixels = HIAPI_TIER_PIXELS[resolution] ?? HIAPI_TIER_PIXELS['1K']!;
  let width = Math.sqrt(pixels * ratio);
  let height = Math.sqrt(pixels / ratio);
  const shrink = Math.min(1, MAX_EDGE / Math.max(width, height));
  width *= shrink;
  height *= shrink;
  return { width: round16(width), height: round16(height) };
}

function round16(value: number): number {
  return Math.max(16, Math.min(MAX_EDGE, Math.round(value / 16) * 16));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
