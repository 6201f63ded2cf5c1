/**
 * The `openai` provider: the OpenAI Images API (gpt-image-2 and later). One synchronous POST per
 * image: JSON to `/images/generations`, or multipart to `/images/edits` when the hero has
 * reference images. Sizes, qualities and formats are checked locally before any money is spent;
 * the cost of a finished call comes from its `usage` tokens.
 */
import { sendApiRequest, withHttpClient } from '../http/call.js';
import { DEFAULT_MAX_JSON_BYTES } from '../http/client.js';
import { type ApiErrorDetails, badResponse, type CallContext } from '../http/errors.js';
import { Base64JsonField } from '../http/json-field.js';
import { decodeBase64Strict } from '../http/media.js';
import { redact } from '../http/redact.js';
import { resolveRetryPolicy, withRetry } from '../http/retry.js';
import { sizeForAspect, validateOpenAISize } from '../image/sizing.js';
import { sniffImageType } from '../image/sniff.js';
import type {
  CostEstimate,
  GeneratedImage,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  ProviderContext,
  RequestIssue,
} from '../types.js';
import { createOpenAIBatchApi } from './openai/batch.js';
import { OPENAI_KNOWN_MODELS, openAIModelInfo, retiredOpenAIModel } from './openai/models.js';
import {
  type OpenAIProviderOptions,
  openAIHeaders,
  resolveOpenAISettings,
} from './openai/options.js';
import { costFromUsage, estimateOpenAICost, roundUsd } from './openai/pricing.js';
import {
  buildEditForm,
  buildEditJsonBody,
  buildGenerationBody,
  readReferences,
  referenceMediaType,
} from './openai/request-body.js';
import { openAIErrorBodySchema, openAIImagesResponseSchema } from './openai/schemas.js';
import { assertValidRequest, requireApiKey } from './preflight.js';

export type { OpenAIProviderOptions } from './openai/options.js';
export { buildEditJsonBody, buildGenerationBody } from './openai/request-body.js';

export const OPENAI_MAX_PROMPT_LENGTH = 32_000;
export const OPENAI_MAX_REFERENCES = 16;

export const ADVICE = {
  auth: 'Check OPENAI_API_KEY (or `openai.apiKey`), and that the key may call the Images API.',
  forbidden:
    'The organization may need verification for this model (https://platform.openai.com/settings/organization/general; access can take 15 minutes after verifying), or the region is not supported.',
  quota:
    'Add credits or raise the spend cap at https://platform.openai.com/settings/organization/billing, then run again.',
  notFound:
    'The model may be retired or not available to this key; set `model` to gpt-image-2 or later (e.g. gpt-image-2.6-sunburst).',
  moderation:
    'Rephrase the prompt: OpenAI refusals are deterministic, so it is not retried (refused calls are not billed).',
};

/** Reads `{ error: { message, code, type, param } }`, or the raw text of a non-JSON answer. */
export function readOpenAIError(body: unknown, text: string): ApiErrorDetails {
  const parsed = openAIErrorBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.error;
  return { message: text.slice(0, 300) };
}

function modelIssues(model: string): RequestIssue[] {
  const retired = retiredOpenAIModel(model);
  if (!retired) return [];
  const when =
    retired.status === 'shut down'
      ? `was shut down on ${retired.date}`
      : `is deprecated and shuts down on ${retired.date}`;
  return [
    {
      field: 'model',
      message: `OpenAI model "${model}" ${when}; set \`model\` to gpt-image-2 or later (gpt-image-2.6-sunburst or gpt-image-2.6-flare)`,
    },
  ];
}

/** Pure checks of a request against what the API accepts. */
export function validateOpenAIRequest(request: GenerationRequest): RequestIssue[] {
  const issues: RequestIssue[] = [...modelIssues(request.model)];
  if (request.prompt.trim() === '') {
    issues.push({ field: 'prompt', message: 'the prompt is empty' });
  } else if (request.prompt.length > OPENAI_MAX_PROMPT_LENGTH) {
    issues.push({
      field: 'prompt',
      message: `the prompt is ${request.prompt.length} characters; OpenAI accepts at most ${OPENAI_MAX_PROMPT_LENGTH}`,
    });
  }
  if (!request.size) {
    issues.push({ field: 'size', message: 'OpenAI needs a pixel size such as 1536x864' });
  } else {
    issues.push(...validateOpenAISize(request.size));
  }
  const info = openAIModelInfo(request.model);
  if (request.quality !== undefined && info && !info.qualities.includes(request.quality)) {
    issues.push({
      field: 'quality',
      message: `${request.model} does not take quality "${request.quality}"; use one of ${info.qualities.join(', ')}`,
    });
  }
  if (request.background === 'transparent') {
    if (info && !info.transparency) {
      issues.push({
        field: 'background',
        message: `${request.model} cannot make transparent backgrounds; use gpt-image-2.6-sunburst or -flare, or background "auto"`,
      });
    }
    if (request.format === 'jpeg') {
      issues.push({
        field: 'format',
        message: 'a transparent background needs format png or webp, not jpeg',
      });
    }
  }
  if (request.references.length > OPENAI_MAX_REFERENCES) {
    issues.push({
      field: 'references',
      message: `${request.references.length} reference images given; OpenAI takes at most ${OPENAI_MAX_REFERENCES}`,
    });
  }
  return issues;
}

/** Create the `openai` provider. Keys and URLs are read from options or env on each call. */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): HeroProvider {
  // A malformed base URL is a configuration error now, not a failed call per image later.
  resolveOpenAISettings(options);
  return {
    id: 'openai',
    paid: true,
    credentialHint: 'OPENAI_API_KEY',
    defaultModel: 'gpt-image-2',
    knownModels: OPENAI_KNOWN_MODELS,
    maxPromptLength: OPENAI_MAX_PROMPT_LENGTH,

    prepare(intent: HeroIntent, model: string): GenerationRequest {
      return {
        provider: 'openai',
        model,
        prompt: intent.prompt,
        size: intent.size ?? sizeForAspect(intent.aspect, intent.resolution),
        quality: intent.quality,
        background: intent.background,
        format: intent.format,
        references: intent.references,
        variant: intent.variant,
      };
    },

    validate: validateOpenAIRequest,

    estimate(request: GenerationRequest): CostEstimate {
      return estimateOpenAICost(request);
    },

    isConfigured(): boolean {
      return resolveOpenAISettings(options).apiKey !== undefined;
    },

    batch: createOpenAIBatchApi(options, {
      body: (request) => buildGenerationBody(request, options.moderation),
      editBody: buildEditJsonBody,
      checkReference: referenceMediaType,
      readImage,
      readError: readOpenAIError,
      advice: ADVICE,
    }),

    generate: (request, context) => generateImage(options, request, context),
  };
}

/** One synchronous generation or edit, retried as the policy allows. */
async function generateImage(
  options: OpenAIProviderOptions,
  request: GenerationRequest,
  context: ProviderContext,
): Promise<GeneratedImage> {
  const settings = resolveOpenAISettings(options);
  assertValidRequest(
    validateOpenAIRequest(request),
    `openai ${request.model}`,
    'the request was not sent',
  );
  const apiKey = requireApiKey(settings.apiKey, 'openai', 'OPENAI_API_KEY');
  const secrets = [apiKey];
  const edit = request.references.length > 0;
  const call: CallContext = {
    provider: 'openai',
    model: request.model,
    operation: edit ? 'image edit' : 'image generation',
    mode: 'billable',
    secrets,
    advice: ADVICE,
  };
  const headers = openAIHeaders(settings, apiKey);

  // Read references once, before the first attempt, so a bad file costs nothing.
  const references = edit ? await readReferences(request, context) : [];

  return withHttpClient(context, (http) =>
    withRetry(
      async () => {
        const body = edit
          ? await buildEditForm(request, references)
          : JSON.stringify(buildGenerationBody(request, options.moderation));
        // The answer is decoded as it arrives: no body buffer, no megabyte string.
        const maxBodyBytes = options.maxResponseBytes ?? DEFAULT_MAX_JSON_BYTES;
        const answer = new Base64JsonField('b64_json', decodeBase64Strict, maxBodyBytes);
        const response = await sendApiRequest(
          http,
          {
            method: 'POST',
            url: `${settings.baseURL}/images/${edit ? 'edits' : 'generations'}`,
            headers: edit ? headers : { ...headers, 'content-type': 'application/json' },
            body,
            signal: context.signal,
            timeoutMs: context.timeoutMs,
            maxBodyBytes,
            sink: answer,
          },
          call,
          readOpenAIError,
        );
        const { json, decode } = answer.finish();
        if (json === undefined) {
          throw badResponse(call, 'the body is not valid JSON', response.headers['x-request-id'], {
            status: response.status,
          });
        }
        return readImage(call, request, { headers: response.headers, json, decode });
      },
      {
        policy: resolveRetryPolicy(options.retry, context.maxRetries),
        signal: context.signal,
        pauseAll: context.pauseAll,
        gate: context.rateGate,
        onRetry: (info) => {
          context.logger.debug(
            redact(
              `openai ${request.model}: attempt ${info.attempt} failed, retrying in ${info.delayMs} ms: ${info.reason}`,
              secrets,
            ),
          );
          context.onRetry?.(info);
        },
      },
    ),
  );
}

/**
 * Read an `ImagesResponse` (a sync answer, or the `body` of a batch output line). `priceFactor`
 * scales its cost: 0.5 for a batch line, which OpenAI bills at half the synchronous price.
 * `decode` turns `b64_json` into bytes: a streamed answer's own (see http/json-field.ts), strict
 * base64 by default.
 */
export function readImage(
  call: CallContext,
  request: GenerationRequest,
  answer: {
    headers: Record<string, string>;
    json: unknown;
    priceFactor?: number;
    decode?: (b64: string) => Uint8Array | undefined;
  },
): GeneratedImage {
  const { headers, json, priceFactor = 1, decode = decodeBase64Strict } = answer;
  const requestId = headers['x-request-id'];
  const parsed = openAIImagesResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw badResponse(call, 'the JSON has no `data` array of images', requestId);
  }
  // An answer with its `data` array is billed, usable or not: its cost travels with the error.
  const usage = parsed.data.usage;
  const fromUsage = usage ? costFromUsage(usage) : undefined;
  const exact = fromUsage === undefined ? undefined : roundUsd(fromUsage * priceFactor);
  const fallback = exact === undefined ? estimateOpenAICost(request) : undefined;
  const fallbackUsd = fallback?.usd == null ? null : roundUsd(fallback.usd * priceFactor);
  const costUsd = exact ?? fallbackUsd;
  const costConfidence = exact !== undefined ? 'exact' : (fallback?.confidence ?? 'unknown');
  const billed = { costUsd, costConfidence, ...(requestId ? { requestId } : {}) } as const;
  const first = parsed.data.data[0]!;
  if (typeof first.b64_json !== 'string') {
    throw badResponse(call, '`data[0].b64_json` is missing', requestId, { billed });
  }
  const bytes = decode(first.b64_json);
  if (!bytes) {
    throw badResponse(call, '`data[0].b64_json` is not valid base64', requestId, { billed });
  }
  const sniffed = sniffImageType(bytes);
  if (!sniffed) {
    throw badResponse(call, '`data[0].b64_json` does not decode to an image', requestId, {
      billed,
    });
  }
  const warnings: string[] = [];
  if (sniffed.extension !== request.format) {
    warnings.push(
      `openai returned ${sniffed.extension} although ${request.format} was asked for (request ${requestId ?? 'unknown'})`,
    );
  }
  const image: GeneratedImage = {
    bytes,
    mediaType: sniffed.mediaType,
    costUsd: costUsd ?? undefined,
    costConfidence,
  };
  if (usage) image.usage = usage as Record<string, unknown>;
  if (requestId) image.requestId = requestId;
  if (first.revised_prompt) image.revisedPrompt = first.revised_prompt;
  if (warnings.length > 0) image.warnings = warnings;
  return image;
}
