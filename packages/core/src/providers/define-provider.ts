/**
 * `defineProvider()`: a custom image source (an in-house service, a model not covered by the
 * AI SDK, a file-based stand-in) as a herogen provider, with the boring parts filled in.
 */
import { HerogenError } from '../errors.js';
import { sizeForAspect } from '../image/sizing.js';
import type {
  CostEstimate,
  GeneratedImage,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  ProviderContext,
  RequestIssue,
} from '../types.js';

/** What a custom provider must and may define. Only `id` and `generate` are required. */
export interface ProviderDefinition {
  /** Stable id: it goes into the cache key and the lock, and heroes pick it with `provider:`. */
  id: string;
  /** Make one image. Honour `context.signal`; throw `HerogenError`s with a clear message. */
  generate(request: GenerationRequest, context: ProviderContext): Promise<GeneratedImage>;
  /** False only for offline stand-ins whose output is a placeholder. @default true */
  paid?: boolean;
  /** @default 'default' */
  defaultModel?: string;
  /** @default 32_000 */
  maxPromptLength?: number;
  /** Default: the intent with an exact `size` (`WxH`) worked out from aspect and resolution. */
  prepare?(intent: HeroIntent, model: string): GenerationRequest;
  /** Default: only the prompt is checked (present, not too long). */
  validate?(request: GenerationRequest): RequestIssue[];
  /** Default: unknown (shown as unknown, never as $0). */
  estimate?(request: GenerationRequest): CostEstimate;
  /** Default: always configured. */
  isConfigured?(): boolean;
}

const RESERVED_IDS = new Set(['auto', 'openai', 'hiapi', 'local']);
const ID_PATTERN = /^[a-z0-9][a-z0-9._:/-]{0,63}$/i;
const OPTIONAL_FUNCTIONS = ['prepare', 'validate', 'estimate', 'isConfigured'] as const;

function invalid(message: string): HerogenError {
  return new HerogenError('CONFIG_INVALID', `defineProvider(): ${message}`);
}

/**
 * Define a custom provider; missing parts get safe defaults and the shape is checked at once,
 * so a mistake shows up when the config loads, not mid-build.
 *
 * @example
 * ```ts
 * // herogen.config.ts
 * import { defineProvider, HerogenError } from '@herogen/core';
 *
 * export default {
 *   provider: defineProvider({
 *     id: 'studio',
 *     defaultModel: 'studio-v2',
 *     estimate: () => ({ usd: 0.02, confidence: 'estimate' }),
 *     isConfigured: () => Boolean(process.env.STUDIO_TOKEN),
 *     async generate(request, { signal }) {
 *       const res = await fetch('https://images.example.com/render', {
 *         method: 'POST',
 *         headers: { authorization: `Bearer ${process.env.STUDIO_TOKEN}` },
 *         body: JSON.stringify({ prompt: request.prompt, size: request.size }),
 *         signal,
 *       });
 *       if (!res.ok) throw new HerogenError('PROVIDER_UNAVAILABLE', `studio answered ${res.status}`);
 *       return { bytes: new Uint8Array(await res.arrayBuffer()), mediaType: 'image/png' };
 *     },
 *   }),
 * };
 * ```
 */
export function defineProvider(definition: ProviderDefinition): HeroProvider {
  if (typeof definition !== 'object' || definition === null) {
    throw invalid('expected an object with at least `id` and `generate`.');
  }
  const { id } = definition;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw invalid(
      `\`id\` must be 1-64 letters, digits or . _ : / - (starting with a letter or digit); got ${JSON.stringify(id)}.`,
    );
  }
  if (RESERVED_IDS.has(id)) {
    throw invalid(`\`id\` "${id}" is a built-in provider; choose another name.`);
  }
  if (typeof definition.generate !== 'function') {
    throw invalid(`provider "${id}" needs a \`generate(request, context)\` function.`);
  }
  for (const name of OPTIONAL_FUNCTIONS) {
    if (definition[name] !== undefined && typeof definition[name] !== 'function') {
      throw invalid(`provider "${id}": \`${name}\` must be a function when given.`);
    }
  }
  const maxPromptLength = definition.maxPromptLength ?? 32_000;
  if (!Number.isInteger(maxPromptLength) || maxPromptLength <= 0) {
    throw invalid(`provider "${id}": \`maxPromptLength\` must be a positive whole number.`);
  }
  const defaultModel = definition.defaultModel ?? 'default';
  if (typeof defaultModel !== 'string' || defaultModel === '') {
    throw invalid(`provider "${id}": \`defaultModel\` must be a non-empty string.`);
  }

  const validate =
    definition.validate?.bind(definition) ??
    ((request: GenerationRequest): RequestIssue[] => {
      if (request.prompt.trim() === '')
        return [{ field: 'prompt', message: 'the prompt is empty' }];
      if (request.prompt.length > maxPromptLength) {
        return [
          {
            field: 'prompt',
            message: `the prompt is ${request.prompt.length} characters; provider "${id}" accepts at most ${maxPromptLength}`,
          },
        ];
      }
      return [];
    });

  return {
    id,
    paid: definition.paid ?? true,
    defaultModel,
    maxPromptLength,
    prepare:
      definition.prepare?.bind(definition) ??
      ((intent: HeroIntent, model: string): GenerationRequest => ({
        provider: id,
        model,
        prompt: intent.prompt,
        size: intent.size ?? sizeForAspect(intent.aspect, intent.resolution),
        quality: intent.quality,
        background: intent.background,
        format: intent.format,
        references: intent.references,
        variant: intent.variant,
      })),
    validate,
    estimate:
      definition.estimate?.bind(definition) ??
      ((): CostEstimate => ({ usd: null, confidence: 'unknown' })),
    isConfigured: definition.isConfigured?.bind(definition) ?? (() => true),
    async generate(request, context) {
      const image = await definition.generate(request, context);
      // A custom provider's mistake should read as such, not as a corrupt file later on.
      if (
        typeof image !== 'object' ||
        image === null ||
        !(image.bytes instanceof Uint8Array) ||
        image.bytes.length === 0 ||
        typeof image.mediaType !== 'string'
      ) {
        throw new HerogenError(
          'PROVIDER_BAD_RESPONSE',
          `provider "${id}": generate() must resolve to { bytes: Uint8Array (non-empty), mediaType: string }.`,
        );
      }
      return image;
    },
  };
}
