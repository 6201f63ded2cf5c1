import type { ImageFormat } from './images.js';

/** Models this mock accepts; anything else answers 404 `model_not_found` like a retired model. */
export const OPENAI_MODELS = [
  'gpt-image-2',
  'gpt-image-2-2026-04-21',
  'gpt-image-2.5-sunburst',
  'gpt-image-2.5-flare',
  'gpt-image-2.6-sunburst',
  'gpt-image-2.6-flare',
] as const;

export const OPENAI_PROMPT_MAX = 32_000;
export const OPENAI_MIN_PIXELS = 655_360;
export const OPENAI_MAX_PIXELS = 8_294_400;
export const OPENAI_MAX_EDGE = 3840;
export const OPENAI_MAX_EDIT_IMAGES = 16;

const GENERATION_FIELDS = new Set([
  'prompt',
  'model',
  'n',
  'quality',
  'response_format',
  'output_format',
  'output_compression',
  'stream',
  'partial_images',
  'size',
  'moderation',
  'background',
  'style',
  'user',
  'safety_identifier',
  'complexity',
]);
const EDIT_FIELDS = new Set([
  'prompt',
  'model',
  'n',
  'quality',
  'response_format',
  'output_format',
  'output_compression',
  'stream',
  'partial_images',
  'size',
  'background',
  'user',
  'safety_identifier',
  'input_fidelity',
  'complexity',
  'image',
  'image[]',
  'mask',
]);

export type OpenAIQuality = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface OpenAIErrorInfo {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface ResolvedOpenAIRequest {
  model: string;
  prompt: string;
  n: number;
  width: number;
  height: number;
  /** Requested quality with `auto` resolved (to `medium`). */
  quality: OpenAIQuality;
  outputFormat: ImageFormat;
  compression: number;
  /** Requested background with `auto` resolved (to `opaque`). */
  background: 'transparent' | 'opaque';
  /** Other fields that change the picture, for the render seed. */
  variant: Record<string, unknown>;
}

type Params = Record<string, unknown>;
type Failure = { ok: false; error: OpenAIErrorInfo };
type Result = { ok: true; value: ResolvedOpenAIRequest } | Failure;

const invalid = (message: string, param: string | null, code: string | null = 'invalid_value') => ({
  ok: false as const,
  error: { status: 400, message, type: 'invalid_request_error', param, code },
});

/** Validate generation/edit parameters like the real API (see providers.md §1.3–1.4). */
export function resolveOpenAIRequest(
  params: Params,
  kind: 'generations' | 'edits',
  fromMultipart: boolean,
): Result {
  const allowed = kind === 'generations' ? GENERATION_FIELDS : EDIT_FIELDS;
  for (const field of Object.keys(params)) {
    if (!allowed.has(field)) {
      return invalid(`Unrecognized request argument supplied: ${field}`, null, null);
    }
  }

  const model = params.model;
  if (model === undefined || model === null || model === '') {
    return invalid(
      "Missing required parameter: 'model'. (Without it the API falls back to a shut-down model.)",
      'model',
      'missing_required_parameter',
    );
  }
  if (typeof model !== 'string') return typeError('model', 'a string', model);
  if (!(OPENAI_MODELS as readonly string[]).includes(model)) return modelNotFound(model);
  const isV2 = model === 'gpt-image-2' || model === 'gpt-image-2-2026-04-21';
  const isV26 = model.startsWith('gpt-image-2.6');

  const prompt = params.prompt;
  if (prompt === undefined || prompt === null || prompt === '') {
    return invalid("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  }
  if (typeof prompt !== 'string') return typeError('prompt', 'a string', prompt);
  if (prompt.length > OPENAI_PROMPT_MAX) {
    return invalid(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${OPENAI_PROMPT_MAX}, but got a string with length ${prompt.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }

  for (const field of ['response_format', 'style']) {
    if (params[field] !== undefined && params[field] !== null) {
      return invalid(`Unknown parameter: '${field}'.`, field, 'unknown_parameter');
    }
  }
  if (params.complexity !== undefined && !isV26) {
    return invalid(`Unknown parameter: 'complexity'.`, 'complexity', 'unknown_parameter');
  }
  if (params.stream === true || params.stream === 'true') {
    return invalid(
      'Streaming is not implemented by the herogen mock API; send stream=false.',
      'stream',
      'unsupported_value',
    );
  }

  const n = integerParam(params.n, 'n', 1, fromMultipart);
  if (!n.ok) return n;
  if (n.value < 1 || n.value > 10) {
    return invalid(
      `Invalid 'n': integer ${n.value < 1 ? 'below minimum' : 'above maximum'} value. Expected a value ${n.value < 1 ? '>= 1' : '<= 10'}, but got ${n.value} instead.`,
      'n',
      n.value < 1 ? 'integer_below_min_value' : 'integer_above_max_value',
    );
  }

  const sizeRaw = params.size ?? 'auto';
  if (typeof sizeRaw !== 'string') return typeError('size', 'a string', sizeRaw);
  const size = resolveOpenAISize(sizeRaw);
  if (!size.ok) return invalid(size.message, 'size');

  const qualities = isV2
    ? ['low', 'medium', 'high', 'auto']
    : ['low', 'medium', 'high', 'xhigh', 'max', 'auto'];
  const qualityRaw = params.quality ?? 'auto';
  if (typeof qualityRaw !== 'string' || !qualities.includes(qualityRaw)) {
    return invalid(supportedValues(qualityRaw, qualities), 'quality');
  }

  const formatRaw = params.output_format ?? 'png';
  if (typeof formatRaw !== 'string' || !['png', 'jpeg', 'webp'].includes(formatRaw)) {
    return invalid(supportedValues(formatRaw, ['png', 'jpeg', 'webp']), 'output_format');
  }
  const outputFormat = formatRaw as ImageFormat;

  const compression = compressionOf(params, outputFormat, fromMultipart);
  if (!compression.ok) return compression;

  const backgroundRaw = params.background ?? 'auto';
  const badBackground = backgroundProblem(backgroundRaw, isV2, outputFormat);
  if (badBackground) return badBackground;

  const badChoice = choiceProblem(params);
  if (badChoice) return badChoice;

  const resolvedQuality = (qualityRaw === 'auto' ? 'medium' : qualityRaw) as OpenAIQuality;
  return {
    ok: true,
    value: {
      model,
      prompt,
      n: n.value,
      width: size.width,
      height: size.height,
      quality: resolvedQuality,
      outputFormat,
      compression: compression.value,
      background: backgroundRaw === 'transparent' ? 'transparent' : 'opaque',
      variant: {
        complexity: params.complexity ?? null,
        input_fidelity: params.input_fidelity ?? null,
      },
    },
  };
}

/** The first of `moderation`, `input_fidelity` and `complexity` set to a value not offered. */
function choiceProblem(params: Params): Failure | undefined {
  for (const [field, values] of [
    ['moderation', ['low', 'auto']],
    ['input_fidelity', ['low', 'high']],
    ['complexity', ['low', 'medium', 'high']],
  ] as const) {
    const v = params[field];
    if (v !== undefined && v !== null && !(values as readonly unknown[]).includes(v)) {
      return invalid(supportedValues(v, [...values]), field);
    }
  }
  return undefined;
}

/** `output_compression`: 100 when absent; only for jpeg and webp. */
function compressionOf(
  params: Params,
  outputFormat: ImageFormat,
  fromMultipart: boolean,
): { ok: true; value: number } | Failure {
  if (params.output_compression === undefined || params.output_compression === null) {
    return { ok: true, value: 100 };
  }
  if (outputFormat === 'png') {
    return invalid(
      "Invalid 'output_compression': compression is only supported for the 'jpeg' and 'webp' output formats.",
      'output_compression',
      'unsupported_parameter',
    );
  }
  const c = integerParam(params.output_compression, 'output_compression', 100, fromMultipart);
  if (!c.ok) return c;
  if (c.value < 0 || c.value > 100) {
    return invalid(
      `Invalid 'output_compression': expected a value between 0 and 100, but got ${c.value} instead.`,
      'output_compression',
    );
  }
  return { ok: true, value: c.value };
}

/** What is wrong with `background` for this model and format, if anything. */
function backgroundProblem(
  backgroundRaw: unknown,
  isV2: boolean,
  outputFormat: ImageFormat,
): Failure | undefined {
  if (
    typeof backgroundRaw !== 'string' ||
    !['transparent', 'opaque', 'auto'].includes(backgroundRaw)
  ) {
    return invalid(supportedValues(backgroundRaw, ['transparent', 'opaque', 'auto']), 'background');
  }
  if (backgroundRaw === 'transparent') {
    if (isV2)
      return invalid('Transparent background is not supported for this model.', 'background');
    if (outputFormat === 'jpeg') {
      return invalid(
        "Transparent background requires output_format 'png' or 'webp'.",
        'background',
        'unsupported_value',
      );
    }
  }
  return undefined;
}

/** The 404 the real API answers for a model it does not know. */
function modelNotFound(model: string): Failure {
  return {
    ok: false,
    error: {
      status: 404,
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    },
  };
}

/** `auto` → 1024×1024; otherwise the gpt-image-2+ rules for `WIDTHxHEIGHT`. */
export function resolveOpenAISize(
  size: string,
): { ok: true; width: number; height: number } | { ok: false; message: string } {
  if (size === 'auto') return { ok: true, width: 1024, height: 1024 };
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  if (!match) {
    return {
      ok: false,
      message: `Invalid size '${size}'. Use 'auto' or 'WIDTHxHEIGHT' (e.g. '1536x864').`,
    };
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width % 16 !== 0 || height % 16 !== 0) {
    return {
      ok: false,
      message: `Invalid size '${size}'. Width and height must both be divisible by 16.`,
    };
  }
  if (Math.max(width, height) > 3 * Math.min(width, height)) {
    return {
      ok: false,
      message: `Invalid size '${size}'. The aspect ratio must be between 1:3 and 3:1.`,
    };
  }
  if (Math.max(width, height) > OPENAI_MAX_EDGE) {
    return {
      ok: false,
      message: `Invalid size '${size}'. The longest edge must be at most ${OPENAI_MAX_EDGE} pixels.`,
    };
  }
  const pixels = width * height;
  if (pixels < OPENAI_MIN_PIXELS || pixels > OPENAI_MAX_PIXELS) {
    return {
      ok: false,
      message: `Invalid size '${size}'. The total number of pixels must be between ${OPENAI_MIN_PIXELS} and ${OPENAI_MAX_PIXELS}.`,
    };
  }
  return { ok: true, width, height };
}

function integerParam(
  raw: unknown,
  field: string,
  fallback: number,
  fromMultipart: boolean,
): { ok: true; value: number } | { ok: false; error: OpenAIErrorInfo } {
  if (raw === undefined || raw === null) return { ok: true, value: fallback };
  const value = fromMultipart && typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return typeError(field, 'an integer', raw);
  }
  return { ok: true, value };
}

function typeError(field: string, expected: string, got: unknown) {
  const kind = Array.isArray(got) ? 'an array' : got === null ? 'null' : `a ${typeof got}`;
  return invalid(
    `Invalid type for '${field}': expected ${expected}, but got ${kind} instead.`,
    field,
    'invalid_type',
  );
}

function supportedValues(value: unknown, values: string[]): string {
  const list = values.map((v) => `'${v}'`);
  const last = list.pop();
  return `Invalid value: '${String(value)}'. Supported values are: ${list.join(', ')}, and ${last}.`;
}
