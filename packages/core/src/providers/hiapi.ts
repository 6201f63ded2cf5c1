/**
 * The `hiapi` provider: hiapi's asynchronous task API for gpt-image-2. Create a task, save its
 * id through the task journal before anything else (so a crash resumes instead of paying
 * again), poll with growing waits until it succeeds or fails, then download the image at once
 * (its URL expires). A create is only retried when the task cannot have started.
 *
 * Reference images: hiapi takes public URLs (`input.input_urls`), not file uploads, so heroes
 * whose references are local files are refused in `validate` with a pointer to the openai
 * provider; references written as http(s) URLs are sent as they are.
 */
import { HerogenError } from '../errors.js';
import { parseJsonResponse, sendApiRequest, withHttpClient } from '../http/call.js';
import {
  DEFAULT_MAX_DOWNLOAD_BYTES,
  type HttpClient,
  type HttpResponse,
  TransportError,
} from '../http/client.js';
import {
  type ApiErrorDetails,
  badResponse,
  type CallContext,
  formatDuration,
  statusError,
  transportError,
} from '../http/errors.js';
import { sniffImageType } from '../http/media.js';
import { redact } from '../http/redact.js';
import { type RetryInfo, resolveRetryPolicy, sleep, withRetry } from '../http/retry.js';
import type {
  CostEstimate,
  GeneratedImage,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  ProviderContext,
  RequestIssue,
} from '../types.js';
import {
  HIAPI_MAX_INPUT_URLS,
  HIAPI_MAX_PROMPT_LENGTH,
  hiapiModelFor,
  hiapiModelInfo,
} from './hiapi/models.js';
import { type HiapiProviderOptions, resolveHiapiSettings } from './hiapi/options.js';
import { nextPollDelay } from './hiapi/poll-schedule.js';
import { estimateHiapiCost, HIAPI_PRICING_PAGE } from './hiapi/pricing.js';
import {
  type HiapiTask,
  hiapiCreateDataSchema,
  hiapiEnvelopeSchema,
  hiapiTaskSchema,
} from './hiapi/schemas.js';
import { hiapiAspects, nearestHiapiAspect } from './sizing.js';

export type { HiapiProviderOptions } from './hiapi/options.js';

const DEFAULT_POLL_INTERVAL_MS = 1000;
const DEFAULT_MAX_POLL_MS = 600_000;
const URL_PATTERN = /^https?:\/\//i;
/** `fail` is documented; the others are tolerated so a renamed state does not poll for 10 minutes. */
const FAILED = new Set(['fail', 'failed', 'error', 'cancelled', 'canceled']);

const ADVICE = {
  auth: 'Check HIAPI_API_KEY (or `hiapi.apiKey`); tasks made with another account are not visible to this key.',
  quota: `Top up your hiapi balance (prices: ${HIAPI_PRICING_PAGE}), then run again.`,
  notFound:
    'Check `model`: hiapi offers gpt-image-2, gpt-image-2-pro, gpt-image-2-image-to-image and gpt-image-2-image-to-image-pro.',
  moderation: 'Rephrase the prompt: policy refusals are deterministic, so it is not retried.',
};

/** Reads the hiapi envelope `{ code, message, error_code }`, or the raw text. */
function readHiapiError(body: unknown, text: string): ApiErrorDetails {
  const parsed = hiapiEnvelopeSchema.safeParse(body);
  if (parsed.success && (parsed.data.message || parsed.data.error_code)) {
    return { message: parsed.data.message, code: parsed.data.error_code ?? null };
  }
  return { message: text.slice(0, 300) };
}

/** Pure checks of a request against what hiapi accepts. */
export function validateHiapiRequest(request: GenerationRequest): RequestIssue[] {
  const issues: RequestIssue[] = [];
  const info = hiapiModelInfo(request.model);
  if (request.prompt.trim() === '') {
    issues.push({ field: 'prompt', message: 'the prompt is empty' });
  } else if (request.prompt.length > HIAPI_MAX_PROMPT_LENGTH) {
    issues.push({
      field: 'prompt',
      message: `the prompt is ${request.prompt.length} characters; hiapi accepts at most ${HIAPI_MAX_PROMPT_LENGTH}`,
    });
  }
  const aspect = request.aspect ?? 'auto';
  const resolution = request.resolution ?? '1K';
  const aspects = hiapiAspects(request.model);
  if (!aspects.includes(aspect)) {
    issues.push({
      field: 'aspect',
      message: `${request.model} does not take aspect ratio ${aspect}; use one of ${aspects.join(', ')}`,
    });
  }
  if (info && !info.resolutions.includes(resolution)) {
    issues.push({
      field: 'resolution',
      message: `${request.model} goes up to ${info.resolutions.at(-1)}; use ${info.resolutions.join(' or ')}`,
    });
  }
  if (aspect === 'auto' && resolution !== '1K') {
    issues.push({ field: 'resolution', message: 'aspect "auto" only works with resolution 1K' });
  }
  if (aspect === '1:1' && resolution === '4K') {
    issues.push({
      field: 'resolution',
      message: 'hiapi cannot make 1:1 images at 4K; use 2K, or another aspect ratio',
    });
  }
  if (request.background === 'transparent') {
    issues.push({
      field: 'background',
      message:
        'hiapi cannot make transparent backgrounds; use the openai provider with gpt-image-2.6',
    });
  }
  const references = request.references;
  const local = references.filter((reference) => !URL_PATTERN.test(reference.path));
  if (local.length > 0) {
    issues.push({
      field: 'references',
      message: `hiapi needs public URLs for reference images, and ${local
        .map((reference) => reference.path)
        .join(
          ', ',
        )} ${local.length === 1 ? 'is a local file' : 'are local files'}; use the openai provider for local references, or host them and give https:// URLs`,
    });
  }
  if (references.length > HIAPI_MAX_INPUT_URLS) {
    issues.push({
      field: 'references',
      message: `${references.length} reference images given; hiapi takes at most ${HIAPI_MAX_INPUT_URLS}`,
    });
  }
  if (info?.needsInputs && references.length === 0) {
    issues.push({
      field: 'model',
      message: `${request.model} edits reference images and none are given; use ${info.counterpart}, or add references`,
    });
  }
  if (info && !info.needsInputs && references.length > 0) {
    issues.push({
      field: 'model',
      message: `${request.model} takes no reference images; use ${info.counterpart}`,
    });
  }
  return issues;
}

/** The body of `POST /v1/tasks`. */
export function buildTaskBody(request: GenerationRequest): Record<string, unknown> {
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    aspect_ratio: request.aspect ?? 'auto',
    resolution: request.resolution ?? '1K',
  };
  if (request.references.length > 0) {
    input.input_urls = request.references.map((reference) => reference.path);
  }
  return { model: request.model, input };
}

/** A finished task's file could not be fetched any more (403/404/410 or past `expireAt`). */
class ExpiredDownload extends Error {}

/** Create the `hiapi` provider. Keys and URLs are read from options or env on each call. */
export function createHiapiProvider(options: HiapiProviderOptions = {}): HeroProvider {
  // A malformed base URL is a configuration error now, not a failed call per image later.
  resolveHiapiSettings(options);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const maxPollMs = options.maxPollMs ?? DEFAULT_MAX_POLL_MS;

  return {
    id: 'hiapi',
    paid: true,
    defaultModel: 'gpt-image-2',
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
      const issues = validateHiapiRequest(request);
      if (issues.length > 0) {
        throw new HerogenError(
          'REQUEST_INVALID',
          `hiapi ${request.model}: the task was not created because ${issues
            .map((issue) => `${issue.field}: ${issue.message}`)
            .join('; ')}.`,
        );
      }
      const apiKey = settings.apiKey;
      if (!apiKey) {
        throw new HerogenError(
          'PROVIDER_AUTH',
          'hiapi: no API key; set HIAPI_API_KEY (or `hiapi.apiKey` in the herogen config).',
        );
      }
      const secrets = [apiKey];
      const headers = { authorization: `Bearer ${apiKey}`, 'user-agent': 'herogen' };
      const cost = estimateHiapiCost(request, options.prices);
      const warnings: string[] = [];
      const warn = (message: string) => {
        const clean = redact(message, secrets);
        warnings.push(clean);
        context.logger.warn(clean);
      };
      const callFor = (
        operation: string,
        mode: CallContext['mode'],
        taskId?: string,
      ): CallContext => ({
        provider: 'hiapi',
        model: request.model,
        operation,
        mode,
        secrets,
        advice: ADVICE,
        messageHeuristics: true,
        ...(taskId ? { taskId } : {}),
      });
      const retryOptions = (label: string) => ({
        policy: resolveRetryPolicy(options.retry, context.maxRetries),
        signal: context.signal,
        pauseAll: context.pauseAll,
        onRetry: (info: RetryInfo) => {
          context.logger.debug(
            redact(
              `hiapi ${request.model}: ${label} attempt ${info.attempt} failed, retrying in ${info.delayMs} ms: ${info.reason}`,
              secrets,
            ),
          );
          context.onRetry?.(info);
        },
      });

      const createTask = (http: HttpClient): Promise<string> => {
        const call = callFor('task create', 'create');
        return withRetry(
          async () => {
            const response = await sendApiRequest(
              http,
              {
                method: 'POST',
                url: `${settings.baseURL}/v1/tasks`,
                headers: { ...headers, 'content-type': 'application/json' },
                body: JSON.stringify(buildTaskBody(request)),
                signal: context.signal,
                timeoutMs: context.timeoutMs,
              },
              call,
              readHiapiError,
            );
            const data = envelopeData(call, response);
            const parsed = hiapiCreateDataSchema.safeParse(data);
            if (!parsed.success) {
              throw mayHaveBilledError(
                badResponse(
                  call,
                  'the answer has no `data.taskId`',
                  response.headers['x-request-id'],
                ),
              );
            }
            return parsed.data.taskId;
          },
          { ...retryOptions('task create'), gate: context.rateGate },
        );
      };

      /** One poll; `undefined` when the task is unknown (404). */
      const getTask = (http: HttpClient, taskId: string): Promise<HiapiTask | undefined> => {
        const call = callFor('task poll', 'idempotent', taskId);
        return withRetry(async () => {
          try {
            const response = await sendApiRequest(
              http,
              {
                method: 'GET',
                url: `${settings.baseURL}/v1/tasks/${encodeURIComponent(taskId)}`,
                headers,
                signal: context.signal,
                timeoutMs: context.timeoutMs,
              },
              call,
              readHiapiError,
            );
            const parsed = hiapiTaskSchema.safeParse(envelopeData(call, response));
            if (!parsed.success) {
              throw badResponse(call, 'the task has no `status`', response.headers['x-request-id']);
            }
            return parsed.data;
          } catch (error) {
            if (HerogenError.is(error) && error.code === 'PROVIDER_NOT_FOUND') return undefined;
            throw error;
          }
        }, retryOptions('task poll'));
      };

      /** Poll with waits that grow with the task's age until it ends, or the deadline passes. */
      const waitForTask = async (
        http: HttpClient,
        taskId: string,
        first: HiapiTask | undefined,
        startedAt: number,
      ): Promise<HiapiTask> => {
        const deadline = startedAt + maxPollMs;
        let polled = first !== undefined;
        let task = first;
        for (;;) {
          if (task === undefined) {
            const remaining = deadline - Date.now();
            const delay = nextPollDelay({
              ageMs: Date.now() - startedAt,
              firstMs: pollIntervalMs,
              first: !polled,
            });
            await sleep(Math.max(0, Math.min(delay, remaining)), context.signal);
            task = await getTask(http, taskId);
            if (task === undefined) {
              throw new HerogenError(
                'PROVIDER_NOT_FOUND',
                `hiapi ${request.model}: task ${taskId} disappeared while being polled (HTTP 404). Run again to create a new task (it is paid again).`,
                { requestId: taskId, mayHaveBilled: true },
              );
            }
          }
          if (task.status === 'success' || FAILED.has(task.status)) return task;
          polled = true;
          if (Date.now() >= deadline) {
            throw new HerogenError(
              'TIMEOUT',
              `hiapi ${request.model}: task ${taskId} is still "${task.status}" after ${formatDuration(maxPollMs)}. Its id is saved: running again resumes polling this task instead of paying for a new one.`,
              { requestId: taskId, mayHaveBilled: true },
            );
          }
          task = undefined;
        }
      };

      const download = async (
        http: HttpClient,
        taskId: string,
        task: HiapiTask,
      ): Promise<Uint8Array> => {
        const call = callFor('download', 'idempotent', taskId);
        const output = task.output?.[0];
        if (!output || !URL_PATTERN.test(output.url)) {
          throw badResponse(call, 'the finished task has no http(s) `output[0].url`');
        }
        if (output.expireAt !== undefined && output.expireAt * 1000 <= Date.now()) {
          throw new ExpiredDownload(
            `its download URL expired at ${new Date(output.expireAt * 1000).toISOString()}`,
          );
        }
        return withRetry(async () => {
          let response: HttpResponse;
          try {
            // No credentials: the file URL is a CDN link and must not see the key.
            response = await http.request({
              method: 'GET',
              url: output.url,
              headers: { 'user-agent': 'herogen' },
              signal: context.signal,
              timeoutMs: context.timeoutMs,
              maxBodyBytes: options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
              followRedirects: true,
            });
          } catch (error) {
            if (error instanceof TransportError)
              throw transportError(call, error, context.timeoutMs);
            throw error;
          }
          if (response.status === 403 || response.status === 404 || response.status === 410) {
            throw new ExpiredDownload(`the file answered HTTP ${response.status}`);
          }
          if (response.status < 200 || response.status >= 300) {
            const text = Buffer.from(response.body.subarray(0, 300)).toString('utf8');
            throw statusError(call, response.status, response.headers, { message: text });
          }
          return response.body;
        }, retryOptions('download'));
      };

      const finish = async (
        http: HttpClient,
        taskId: string,
        task: HiapiTask,
      ): Promise<GeneratedImage> => {
        if (FAILED.has(task.status)) throw taskFailed(request.model, taskId, task);
        const bytes = await download(http, taskId, task);
        const sniffed = sniffImageType(bytes);
        if (!sniffed) {
          throw badResponse(
            callFor('download', 'idempotent', taskId),
            'the downloaded file is not an image',
          );
        }
        const image: GeneratedImage = {
          bytes,
          mediaType: sniffed.mediaType,
          taskId,
          requestId: taskId,
          ...(cost.usd !== null ? { costUsd: cost.usd } : {}),
          costConfidence: cost.confidence,
        };
        if (warnings.length > 0) image.warnings = [...warnings];
        return image;
      };

      const resume = async (
        http: HttpClient,
        taskId: string,
      ): Promise<GeneratedImage | undefined> => {
        const startedAt = Date.now();
        const first = await getTask(http, taskId);
        if (first === undefined) {
          warn(
            `hiapi ${request.model}: task ${taskId} from an earlier run was not found (expired, or made with another key); creating a new task, which is paid again.`,
          );
          return undefined;
        }
        context.logger.info(`hiapi ${request.model}: resuming task ${taskId} from an earlier run`);
        const task = await waitForTask(http, taskId, first, startedAt);
        try {
          return await finish(http, taskId, task);
        } catch (error) {
          if (!(error instanceof ExpiredDownload)) throw error;
          warn(
            `hiapi ${request.model}: the image of task ${taskId} from an earlier run can no longer be downloaded (${error.message}); creating a new task, which is paid again.`,
          );
          return undefined;
        }
      };

      const run = async (http: HttpClient): Promise<GeneratedImage> => {
        const resumeId = context.task.resumeTaskId;
        if (resumeId) {
          const resumed = await withTaskId(resumeId, () => resume(http, resumeId));
          if (resumed) return resumed;
        }
        const startedAt = Date.now();
        const taskId = await createTask(http);
        // Durable before the first poll: from here on a crash resumes instead of paying again.
        try {
          await context.task.record(taskId);
        } catch (error) {
          warn(
            `hiapi ${request.model}: could not save task id ${taskId} (${error instanceof Error ? error.message : String(error)}); if this run is interrupted, the task cannot be resumed.`,
          );
        }
        return withTaskId(taskId, async () => {
          const task = await waitForTask(http, taskId, undefined, startedAt);
          try {
            return await finish(http, taskId, task);
          } catch (error) {
            if (!(error instanceof ExpiredDownload)) throw error;
            throw new HerogenError(
              'PROVIDER_TASK_FAILED',
              `hiapi ${request.model}: task ${taskId} succeeded but its image could not be downloaded (${error.message}). The task was paid for; running again creates a new one, which is paid again.`,
              { requestId: taskId, mayHaveBilled: true },
            );
          }
        });
      };

      return withHttpClient(context, run);
    },
  };
}

/** The `data` of a 2xx envelope; an envelope whose own `code` is an error becomes one. */
function envelopeData(call: CallContext, response: HttpResponse): unknown {
  const json = parseJsonResponse(call, response);
  const envelope = hiapiEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw badResponse(call, 'the answer is not a hiapi envelope', response.headers['x-request-id']);
  }
  const code = envelope.data.code;
  if (code !== undefined && code !== 200 && code >= 300) {
    throw statusError(call, code, response.headers, {
      message: envelope.data.message,
      code: envelope.data.error_code ?? null,
    });
  }
  return envelope.data.data;
}

function mayHaveBilledError(error: HerogenError): HerogenError {
  return new HerogenError(
    error.code,
    `${error.message} The task may have been created and billed.`,
    {
      requestId: error.requestId,
      status: error.status,
      mayHaveBilled: true,
    },
  );
}

function taskFailed(model: string, taskId: string, task: HiapiTask): HerogenError {
  const code = task.error?.code !== undefined ? String(task.error.code) : undefined;
  const message = task.error?.message;
  const policy = /polic|safety|moderat|sensitive/i.test(`${code ?? ''} ${message ?? ''}`);
  const todo = policy
    ? 'Rephrase the prompt; the task is not retried.'
    : 'It is not retried automatically; run again to try a new task (paid again).';
  return new HerogenError(
    'PROVIDER_TASK_FAILED',
    `hiapi ${model}: task ${taskId} failed${code ? ` (${code})` : ''}${message ? `: "${message}"` : ''}. ${todo}`,
    { requestId: taskId },
  );
}

/** Abort errors raised while a task exists say which task, and that a rerun resumes it. */
async function withTaskId<T>(taskId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (HerogenError.is(error) && error.code === 'ABORTED') {
      throw new HerogenError(
        'ABORTED',
        `hiapi: stopped while waiting for task ${taskId}; its id is saved, so running again resumes it instead of paying again.`,
        { requestId: taskId, cause: error, mayHaveBilled: true },
      );
    }
    throw error;
  }
}
