/**
 * The `hiapi` provider: hiapi's asynchronous task API for gpt-image-2. Create a task, save its
 * id through the task journal before anything else (so a crash resumes instead of paying
 * again), poll with growing waits until it succeeds or fails, then download the image at once
 * (its URL expires). A create is only retried when the task cannot have started. A stop (first
 * Ctrl-C) ends the polling at once: the saved id lets the next run resume the task.
 *
 * Reference images: hiapi takes public URLs (`input.input_urls`), not file uploads, so heroes
 * whose references are local files are refused in `validate` with a pointer to the openai
 * provider; references written as http(s) URLs are sent as they are.
 */
import { withHttpClient } from '../http/call.js';
import { DEFAULT_MAX_DOWNLOAD_BYTES } from '../http/client.js';
import { nearestHiapiAspect } from '../image/sizing.js';
import type {
  CostEstimate,
  GeneratedImage,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  ProviderContext,
} from '../types.js';
import { HIAPI_MAX_PROMPT_LENGTH, HIAPI_MODELS, hiapiModelFor } from './hiapi/models.js';
import { type HiapiProviderOptions, resolveHiapiSettings } from './hiapi/options.js';
import { TaskDurations } from './hiapi/poll-schedule.js';
import { estimateHiapiCost } from './hiapi/pricing.js';
import { validateHiapiRequest } from './hiapi/request.js';
import { HiapiTaskRun } from './hiapi/task-run.js';
import { assertValidRequest, requireApiKey } from './preflight.js';

export type { HiapiProviderOptions } from './hiapi/options.js';
export { buildTaskBody, validateHiapiRequest } from './hiapi/request.js';

const DEFAULT_POLL_INTERVAL_MS = 1000;
const DEFAULT_MAX_POLL_MS = 600_000;

/** Create the `hiapi` provider. Keys and URLs are read from options or env on each call. */
export function createHiapiProvider(options: HiapiProviderOptions = {}): HeroProvider {
  // A malformed base URL is a configuration error now, not a failed call per image later.
  resolveHiapiSettings(options);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const maxPollMs = options.maxPollMs ?? DEFAULT_MAX_POLL_MS;
  const durations = new TaskDurations();

  return {
    id: 'hiapi',
    paid: true,
    credentialHint: 'HIAPI_API_KEY',
    defaultModel: 'gpt-image-2',
    knownModels: Object.keys(HIAPI_MODELS),
    maxPromptLength: HIAPI_MAX_PROMPT_LENGTH,

    prepare(intent: HeroIntent, model: string): GenerationRequest {
      const chosen = hiapiModelFor(model, intent.references.length > 0);
      return {
        provider: 'hiapi',
        model: chosen,
        prompt: intent.prompt,
        aspect: nearestHiapiAspect(intent.aspect, chosen),
        resolution: intent.resolution,
        background: intent.background,
        // hiapi returns what it returns; the store step converts when another format is wanted.
        format: intent.format,
        references: intent.references,
        variant: intent.variant,
      };
    },

    validate: validateHiapiRequest,

    estimate(request: GenerationRequest): CostEstimate {
      return estimateHiapiCost(request, options.prices);
    },

    isConfigured(): boolean {
      return resolveHiapiSettings(options).apiKey !== undefined;
    },

    async generate(request: GenerationRequest, context: ProviderContext): Promise<GeneratedImage> {
      const settings = resolveHiapiSettings(options);
      assertValidRequest(
        validateHiapiRequest(request),
        `hiapi ${request.model}`,
        'the task was not created',
      );
      const apiKey = requireApiKey(settings.apiKey, 'hiapi', 'HIAPI_API_KEY');
      const result = await withHttpClient(context, (http) =>
        new HiapiTaskRun(
          http,
          request,
          {
            apiKey,
            baseURL: settings.baseURL,
            pollIntervalMs,
            maxPollMs,
            durations,
            maxDownloadBytes: options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
            retry: options.retry,
          },
          context,
        ).run(),
      );
      const cost = estimateHiapiCost(request, options.prices);
      const image: GeneratedImage = {
        bytes: result.bytes,
        mediaType: result.mediaType,
        taskId: result.taskId,
        requestId: result.taskId,
        ...(cost.usd !== null ? { costUsd: cost.usd } : {}),
        costConfidence: cost.confidence,
      };
      if (result.warnings.length > 0) image.warnings = result.warnings;
      return image;
    },
  };
}
