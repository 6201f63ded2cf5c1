/**
 * `local`: offline, free, deterministic generative art derived from the request hash. It is the
 * default when no API key is set, and the stand-in for paid requests that cannot run (frozen
 * mode, failures). Files carry a provenance note saying they are placeholders, not AI images.
 */
import { createHash } from 'node:crypto';
import { HerogenError } from '../errors.js';
import { PLACEHOLDER_MARKER } from '../image/placeholder-marker.js';
import { hiapiSize, parseSize, sizeForAspect, validateOpenAISize } from '../image/sizing.js';
import type {
  GeneratedImage,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  ProviderContext,
  RequestIssue,
} from '../types.js';
import { renderArt, throwIfAborted } from './local/render.js';

export const LOCAL_PROVIDER_ID = 'local';
export const LOCAL_DEFAULT_MODEL = 'herogen-art-1';
/** Same limit as OpenAI, so a prompt that works offline also works once a key is added. */
export const LOCAL_MAX_PROMPT_LENGTH = 32_000;
const DESCRIPTION = `${PLACEHOLDER_MARKER}: offline generative art from the prompt hash, not an AI-generated image`;

/** Stand-ins for other providers' requests may be any size, within what fits in memory. */
const PLACEHOLDER_MAX_EDGE = 8192;
const PLACEHOLDER_MAX_PIXELS = 33_554_432;

export interface LocalProviderOptions {
  /**
   * Film grain amplitude in 8-bit levels; 0 turns it off. Grain hides banding in the smooth
   * gradients but makes PNGs about twice as large.
   * @default 3
   */
  grain?: number;
}

export interface PlaceholderOptions extends LocalProviderOptions {
  signal?: AbortSignal;
}

const DEFAULT_GRAIN = 3;

export function createLocalProvider(options: LocalProviderOptions = {}): HeroProvider {
  const grain = resolveGrain(options.grain);
  return {
    id: LOCAL_PROVIDER_ID,
    paid: false,
    defaultModel: LOCAL_DEFAULT_MODEL,
    maxPromptLength: LOCAL_MAX_PROMPT_LENGTH,
    prepare: prepareLocalRequest,
    validate: validateLocalRequest,
    estimate: () => ({ usd: 0, confidence: 'exact' }),
    isConfigured: () => true,
    async generate(request: GenerationRequest, context: ProviderContext): Promise<GeneratedImage> {
      throwIfAborted(context.signal);
      const issues = validateLocalRequest(request);
      if (issues.length > 0) {
        throw new HerogenError(
          'REQUEST_INVALID',
          `The local provider cannot render this request: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}.`,
        );
      }
      return render(request, grain, context.signal);
    },
  };
}

/**
 * The local art for any provider's request: same size (an exact `size`, or hiapi's size for its
 * aspect and tier) and format as the paid image would have had. Used in frozen mode and when a
 * paid call fails.
 */
export function renderPlaceholder(
  request: GenerationRequest,
  options: PlaceholderOptions = {},
): Promise<GeneratedImage> {
  return render(request, resolveGrain(options.grain), options.signal);
}

/**
 * Pure. Quality and background do not change the local art, so they stay undefined and do not
 * split the cache key.
 */
function prepareLocalRequest(intent: HeroIntent, model: string): GenerationRequest {
  return {
    provider: LOCAL_PROVIDER_ID,
    model,
    prompt: intent.prompt,
    size: intent.size ?? sizeForAspect(intent.aspect, intent.resolution),
    format: intent.format,
    references: intent.references,
    variant: intent.variant,
  };
}

/** Pure. Holds local requests to OpenAI's rules so a placeholder has a real image's shape. */
function validateLocalRequest(request: GenerationRequest): RequestIssue[] {
  const issues: RequestIssue[] = [];
  if (request.prompt.trim() === '') {
    issues.push({ field: 'prompt', message: 'the prompt is empty; describe the image you want' });
  }
  if (request.prompt.length > LOCAL_MAX_PROMPT_LENGTH) {
    issues.push({
      field: 'prompt',
      message: `the prompt has ${request.prompt.length} characters; shorten it to at most ${LOCAL_MAX_PROMPT_LENGTH}`,
    });
  }
  if (request.size === undefined) {
    issues.push({ field: 'size', message: 'no pixel size; set `size` like 1536x864' });
  } else {
    issues.push(...validateOpenAISize(request.size));
  }
  return issues;
}

async function render(
  request: GenerationRequest,
  grain: number,
  signal: AbortSignal | undefined,
): Promise<GeneratedImage> {
  throwIfAborted(signal);
  const { width, height } = placeholderSize(request);
  const art = await renderArt({
    seed: computeSeed(request, width, height),
    width,
    height,
    format: request.format,
    grain,
    description: DESCRIPTION,
    signal,
  });
  return {
    bytes: art.bytes,
    mediaType: art.mediaType,
    width: art.width,
    height: art.height,
    costUsd: 0,
    costConfidence: 'exact',
  };
}

function placeholderSize(request: GenerationRequest): { width: number; height: number } {
  const size = parseSize(
    request.size ??
      (request.aspect ? hiapiSize(request.aspect, request.resolution ?? '1K') : '1024x1024'),
  );
  if (
    Math.max(size.width, size.height) > PLACEHOLDER_MAX_EDGE ||
    size.width * size.height > PLACEHOLDER_MAX_PIXELS
  ) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `A ${size.width}x${size.height} placeholder is too large to render; use a size with edges up to ${PLACEHOLDER_MAX_EDGE} and at most ${PLACEHOLDER_MAX_PIXELS.toLocaleString('en-US')} pixels.`,
    );
  }
  return size;
}

/** Everything that should change the picture, and nothing else (not the format). */
function computeSeed(request: GenerationRequest, width: number, height: number): Uint8Array {
  const identity = JSON.stringify([
    request.prompt,
    `${width}x${height}`,
    request.variant,
    request.model,
  ]);
  return createHash('sha256').update(identity).digest();
}

function resolveGrain(grain: number | undefined): number {
  const value = grain ?? DEFAULT_GRAIN;
  if (!Number.isFinite(value) || value < 0 || value > 64) {
    throw new HerogenError(
      'CONFIG_INVALID',
      `Local provider grain ${value} is out of range; use a number from 0 (off) to 64.`,
    );
  }
  return value;
}
