/**
 * `aiSdk(model)`: any Vercel AI SDK image model (Google, fal, Replicate, Luma, xAI, Together,
 * BFL…) as a herogen provider. `ai` is an optional peer dependency, loaded only when an image
 * is generated, so projects that never use this adapter do not need it. The model is typed
 * structurally, so this file has no type dependency on `ai` either.
 */
import { createHash } from 'node:crypto';
import { HerogenError } from '../errors.js';
import { type CallContext, statusError } from '../http/errors.js';
import { redact, sanitizeCause } from '../http/redact.js';
import { sizeForAspect } from '../image/sizing.js';
import { sniffImageType } from '../image/sniff.js';
import type {
  CostEstimate,
  GeneratedImage,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  Logger,
  ProviderContext,
  RequestIssue,
} from '../types.js';
import { assertValidRequest } from './preflight.js';

/** The shape of an AI SDK `ImageModel` (spec v2, v3 or v4) that this adapter relies on. */
export interface AiSdkImageModel {
  readonly specificationVersion: 'v2' | 'v3' | 'v4';
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: never): PromiseLike<unknown>;
}

export interface AiSdkProviderOptions {
  /** Provider id in configs, frontmatter and the lock. Default `ai-sdk:<model.provider>`. */
  id?: string;
  /**
   * What the model is told about dimensions: an exact `size` (`WxH`, from aspect and
   * resolution) or an `aspectRatio`. Default: `size` for OpenAI models, else `aspect`.
   */
  dimensions?: 'size' | 'aspect';
  /** Send a seed derived from the request, so a variant is reproducible where the model allows. Default true, except for OpenAI models, which ignore seeds. */
  seed?: boolean;
  /** Passed through to `generateImage` (e.g. `{ fal: { … } }`). */
  providerOptions?: Record<string, Record<string, unknown>>;
  /** Known price per image in USD; reported as an estimate. Without it the cost is unknown. */
  pricePerImageUsd?: number;
  /** @default 32_000 */
  maxPromptLength?: number;
  /** @internal Replaces `import('ai')` (tests). */
  loadAi?: () => Promise<unknown>;
}

interface GeneratedFileLike {
  uint8Array?: Uint8Array;
  base64?: string;
  mediaType?: string;
}

interface GenerateImageResultLike {
  image?: GeneratedFileLike;
  images?: GeneratedFileLike[];
  warnings?: unknown[];
  usage?: Record<string, unknown>;
  responses?: Array<{ headers?: Record<string, string> }>;
}

type GenerateImage = (options: Record<string, unknown>) => Promise<GenerateImageResultLike>;

const AI_MODULE = 'ai';

async function loadGenerateImage(load?: () => Promise<unknown>): Promise<GenerateImage> {
  let mod: unknown;
  try {
    // A variable specifier keeps bundlers and tsc from resolving the optional dependency.
    mod = load ? await load() : await import(AI_MODULE);
  } catch (error) {
    throw new HerogenError(
      'MISSING_DEPENDENCY',
      'aiSdk() needs the `ai` package (v6 or later), which is not installed; add it with `pnpm add ai` (or npm/yarn), or use the openai or hiapi provider.',
      { cause: sanitizeCause(error, []) },
    );
  }
  const fn = (mod as { generateImage?: unknown } | undefined)?.generateImage;
  if (typeof fn !== 'function') {
    throw new HerogenError(
      'MISSING_DEPENDENCY',
      'The installed `ai` package has no `generateImage` export; aiSdk() needs ai v6 or later.',
    );
  }
  return fn as GenerateImage;
}

/** A stable 31-bit seed from everything that identifies the request's pixels. */
export function seedFor(request: GenerationRequest): number {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        request.provider,
        request.model,
        request.prompt,
        request.size ?? null,
        request.aspect ?? null,
        request.variant,
      ]),
    )
    .digest();
  return digest.readUInt32BE(0) >>> 1;
}

function describeWarning(warning: unknown): string {
  if (typeof warning !== 'object' || warning === null) return String(warning);
  const w = warning as Record<string, unknown>;
  if (typeof w.message === 'string') return w.message;
  const what = typeof w.feature === 'string' ? w.feature : (w.setting ?? 'setting');
  const details = typeof w.details === 'string' ? `: ${w.details}` : '';
  return `${String(w.type ?? 'warning')} ${String(what)}${details}`;
}

/** Wrap an AI SDK image model as a herogen provider. */
export function aiSdk(model: AiSdkImageModel, options: AiSdkProviderOptions = {}): HeroProvider {
  if (
    typeof model !== 'object' ||
    model === null ||
    !['v2', 'v3', 'v4'].includes(model.specificationVersion) ||
    typeof model.doGenerate !== 'function'
  ) {
    throw new HerogenError(
      'CONFIG_INVALID',
      'aiSdk() expects an AI SDK image model (specificationVersion v2, v3 or v4 with doGenerate), e.g. aiSdk(fal.image("…")).',
    );
  }
  const isOpenAI = model.provider.startsWith('openai');
  const id = options.id ?? `ai-sdk:${model.provider}`;
  const dimensions = options.dimensions ?? (isOpenAI ? 'size' : 'aspect');
  const useSeed = options.seed ?? !isOpenAI;
  const maxPromptLength = options.maxPromptLength ?? 32_000;

  const validate = (request: GenerationRequest): RequestIssue[] => {
    const issues: RequestIssue[] = [];
    if (request.model !== model.modelId) {
      issues.push({
        field: 'model',
        message: `provider "${id}" is bound to model ${model.modelId}; create another aiSdk(…) provider for ${request.model}`,
      });
    }
    if (request.prompt.trim() === '')
      issues.push({ field: 'prompt', message: 'the prompt is empty' });
    if (request.prompt.length > maxPromptLength) {
      issues.push({
        field: 'prompt',
        message: `the prompt is ${request.prompt.length} characters; this provider accepts at most ${maxPromptLength}`,
      });
    }
    return issues;
  };

  return {
    id,
    paid: true,
    defaultModel: model.modelId,
    maxPromptLength,

    prepare(intent: HeroIntent, chosen: string): GenerationRequest {
      const request: GenerationRequest = {
        provider: id,
        model: chosen,
        prompt: intent.prompt,
        format: intent.format,
        references: intent.references,
        variant: intent.variant,
      };
      if (dimensions === 'size') {
        request.size = intent.size ?? sizeForAspect(intent.aspect, intent.resolution);
      } else if (intent.size) {
        request.size = intent.size;
      } else {
        request.aspect = intent.aspect;
      }
      if (isOpenAI) {
        request.quality = intent.quality;
        request.background = intent.background;
      }
      return request;
    },

    validate,

    estimate(): CostEstimate {
      return options.pricePerImageUsd === undefined
        ? { usd: null, confidence: 'unknown' }
        : { usd: options.pricePerImageUsd, confidence: 'estimate' };
    },

    isConfigured(): boolean {
      // The model object carries its own credentials; the SDK reports missing ones on use.
      return true;
    },

    async generate(request: GenerationRequest, context: ProviderContext): Promise<GeneratedImage> {
      assertValidRequest(validate(request), id, 'the request was not sent');
      const generateImage = await loadGenerateImage(options.loadAi);
      const images: Uint8Array[] = [];
      for (const reference of request.references) {
        images.push(await context.readReference(reference.path));
      }
      const providerOptions = providerOptionsFor(request, options, isOpenAI);
      const timeout = AbortSignal.timeout(context.timeoutMs);
      const call: Record<string, unknown> = {
        model,
        prompt: images.length > 0 ? { text: request.prompt, images } : request.prompt,
        n: 1,
        providerOptions,
        maxRetries: context.maxRetries,
        abortSignal: AbortSignal.any([context.signal, timeout]),
      };
      if (request.size) call.size = request.size;
      if (request.aspect) call.aspectRatio = request.aspect;
      if (useSeed) call.seed = seedFor(request);

      let result: GenerateImageResultLike;
      try {
        result = await generateImage(call);
      } catch (error) {
        throw mapSdkError(error, { id, model: request.model }, context, timeout);
      }
      return imageFrom(result, { id, model: request.model }, options, context.logger);
    },
  };
}

/** The SDK's options for one request: the caller's, plus OpenAI's own for OpenAI models. */
function providerOptionsFor(
  request: GenerationRequest,
  options: AiSdkProviderOptions,
  isOpenAI: boolean,
): Record<string, Record<string, unknown>> {
  const providerOptions: Record<string, Record<string, unknown>> = {
    ...options.providerOptions,
  };
  if (isOpenAI) {
    providerOptions.openai = {
      ...(request.quality ? { quality: request.quality } : {}),
      ...(request.background && request.background !== 'auto'
        ? { background: request.background }
        : {}),
      outputFormat: request.format,
      ...providerOptions.openai,
    };
  }
  return providerOptions;
}

/** The image in the SDK's answer, with its cost, usage and warnings (each also logged). */
function imageFrom(
  result: GenerateImageResultLike,
  where: { id: string; model: string },
  options: AiSdkProviderOptions,
  logger: Logger,
): GeneratedImage {
  const { id, model } = where;
  const file = result.image ?? result.images?.[0];
  const bytes =
    file?.uint8Array ??
    (file?.base64 ? new Uint8Array(Buffer.from(file.base64, 'base64')) : undefined);
  const sniffed = bytes ? sniffImageType(bytes) : undefined;
  if (!bytes || !sniffed) {
    throw new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      `${id} ${model}: the model returned ${bytes ? 'bytes that are not an image' : 'no image'}. Try again; if it persists, check the model's settings.`,
    );
  }
  const warnings = (result.warnings ?? []).map(
    (warning) => `${id} ${model}: ${redact(describeWarning(warning))}`,
  );
  for (const warning of warnings) logger.warn(warning);

  const image: GeneratedImage = {
    bytes,
    mediaType: sniffed.mediaType,
    costConfidence: options.pricePerImageUsd === undefined ? 'unknown' : 'estimate',
  };
  if (options.pricePerImageUsd !== undefined) image.costUsd = options.pricePerImageUsd;
  const usage = result.usage;
  if (usage && Object.values(usage).some((v) => typeof v === 'number')) image.usage = { ...usage };
  const requestId = result.responses?.[0]?.headers?.['x-request-id'];
  if (requestId) image.requestId = requestId;
  if (warnings.length > 0) image.warnings = warnings;
  return image;
}

/** AI SDK errors (APICallError, RetryError, NoImageGeneratedError…) as HerogenErrors. */
function mapSdkError(
  error: unknown,
  where: { id: string; model: string },
  context: ProviderContext,
  timeout: AbortSignal,
): HerogenError {
  const { id, model } = where;
  const { timeoutMs } = context;
  if (HerogenError.is(error)) return error;
  const cause = sanitizeCause(error, []);
  if (context.signal.aborted) {
    return new HerogenError('ABORTED', `${id} ${model}: image generation was aborted.`, { cause });
  }
  if (timeout.aborted) {
    return new HerogenError(
      'TIMEOUT',
      `${id} ${model}: no image within ${Math.round(timeoutMs / 1000)} s. The request may have been billed; raise \`timeoutMs\` if the model is slow.`,
      { cause, mayHaveBilled: true },
    );
  }
  // A RetryError wraps the last attempt's error.
  const last = (error as { lastError?: unknown }).lastError ?? error;
  const e = last as {
    name?: string;
    message?: string;
    statusCode?: number;
    responseHeaders?: Record<string, string>;
    responseBody?: string;
  };
  if (typeof e.statusCode === 'number') {
    let code: string | null = null;
    let message = e.message;
    try {
      const body = JSON.parse(e.responseBody ?? '') as {
        error?: { code?: unknown; message?: unknown };
      };
      if (typeof body.error?.code === 'string') code = body.error.code;
      if (typeof body.error?.message === 'string') message = body.error.message;
    } catch {
      // Not JSON: keep the SDK's message.
    }
    const call: CallContext = {
      provider: id,
      model,
      operation: 'image generation',
      mode: 'billable',
      secrets: [],
      advice: {
        auth: "Check the model provider's API key (see its AI SDK provider docs).",
        quota: "Add credits with the model's provider, then run again.",
        notFound: 'Check the model id; it may be retired.',
      },
    };
    const mapped = statusError(call, e.statusCode, e.responseHeaders ?? {}, { message, code });
    return new HerogenError(mapped.code, mapped.message, {
      cause,
      status: mapped.status,
      requestId: mapped.requestId,
    });
  }
  if (e.name === 'AI_NoImageGeneratedError') {
    return new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      `${id} ${model}: the model returned no image. Try again, or check the prompt and model settings.`,
      { cause },
    );
  }
  return new HerogenError(
    'PROVIDER_UNAVAILABLE',
    `${id} ${model}: image generation failed: ${redact(e.message ?? String(last))}`,
    { cause },
  );
}
