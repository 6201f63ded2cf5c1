/**
 * One hiapi generation: resume the task an earlier run saved, or create one and save its id
 * before the first poll; poll until it ends; download its image. Whatever stops it after the
 * task exists (a stop, a failed download, a crash) leaves the id saved, so the next run picks
 * the task up without paying again; only a failed task or an expired URL lets it go.
 */
import { HerogenError } from '../../errors.js';
import { sendApiRequest } from '../../http/call.js';
import type { HttpClient } from '../../http/client.js';
import { badResponse, type CallContext, formatDuration } from '../../http/errors.js';
import { redact } from '../../http/redact.js';
import {
  type RetryInfo,
  type RetryPolicy,
  resolveRetryPolicy,
  sleep,
  type WithRetryOptions,
  withRetry,
} from '../../http/retry.js';
import { sniffImageType } from '../../image/sniff.js';
import type { GenerationRequest, ProviderContext } from '../../types.js';
import { downloadTaskImage, ExpiredDownload } from './download.js';
import {
  envelopeData,
  HIAPI_ADVICE,
  mayHaveBilledError,
  readHiapiError,
  taskFailed,
} from './envelope.js';
import { nextAlignedPollDelay, type TaskDurations } from './poll-schedule.js';
import { buildTaskBody } from './request.js';
import { type HiapiTask, hiapiCreateDataSchema, hiapiTaskSchema } from './schemas.js';

/** `fail` is documented; the others are tolerated so a renamed state does not poll for 10 minutes. */
const FAILED = new Set(['fail', 'failed', 'error', 'cancelled', 'canceled']);

export interface TaskRunSettings {
  apiKey: string;
  baseURL: string;
  pollIntervalMs: number;
  maxPollMs: number;
  /** What earlier tasks of this provider took, to poll new ones when they are due. */
  durations?: TaskDurations;
  maxDownloadBytes: number;
  retry: Partial<Omit<RetryPolicy, 'maxRetries'>> | undefined;
}

export interface TaskResult {
  taskId: string;
  bytes: Uint8Array;
  mediaType: string;
  warnings: string[];
}

export class HiapiTaskRun {
  private readonly secrets: string[];
  private readonly headers: Record<string, string>;
  /** Ends a wait for a task: the run's cancel, or its stop (the saved id resumes the task). */
  private readonly waitSignal: AbortSignal;
  private readonly warnings: string[] = [];

  constructor(
    private readonly http: HttpClient,
    private readonly request: GenerationRequest,
    private readonly settings: TaskRunSettings,
    private readonly context: ProviderContext,
  ) {
    this.secrets = [settings.apiKey];
    this.headers = { authorization: `Bearer ${settings.apiKey}`, 'user-agent': 'herogen' };
    this.waitSignal = context.stopSignal
      ? AbortSignal.any([context.signal, context.stopSignal])
      : context.signal;
  }

  async run(): Promise<TaskResult> {
    const resumeId = this.context.task.resumeTaskId;
    if (resumeId) {
      const resumed = await this.resume(resumeId);
      if (resumed) return resumed;
    }
    const startedAt = Date.now();
    const taskId = await this.createTask();
    // Durable before the first poll: from here on a crash resumes instead of paying again.
    try {
      await this.context.task.record(taskId);
    } catch (error) {
      this.warn(
        `hiapi ${this.request.model}: could not save task id ${taskId} (${error instanceof Error ? error.message : String(error)}); if this run is interrupted, the task cannot be resumed.`,
      );
    }
    const task = await this.waitForTask(taskId, undefined, startedAt);
    try {
      return await this.finish(taskId, task);
    } catch (error) {
      if (!(error instanceof ExpiredDownload)) throw error;
      throw new HerogenError(
        'PROVIDER_TASK_FAILED',
        `hiapi ${this.request.model}: task ${taskId} succeeded but its image could not be downloaded (${error.message}). The task was paid for; running again creates a new one, which is paid again.`,
        { requestId: taskId, mayHaveBilled: true },
      );
    }
  }

  private async resume(taskId: string): Promise<TaskResult | undefined> {
    const { model } = this.request;
    const startedAt = Date.now();
    const first = await this.stoppable(taskId, () => this.getTask(taskId));
    if (first === undefined) {
      this.warn(
        `hiapi ${model}: task ${taskId} from an earlier run was not found (expired, or made with another key); creating a new task, which is paid again.`,
      );
      return undefined;
    }
    this.context.logger.info(`hiapi ${model}: resuming task ${taskId} from an earlier run`);
    const task = await this.waitForTask(taskId, first, startedAt);
    try {
      return await this.finish(taskId, task);
    } catch (error) {
      if (!(error instanceof ExpiredDownload)) throw error;
      this.warn(
        `hiapi ${model}: the image of task ${taskId} from an earlier run can no longer be downloaded (${error.message}); creating a new task, which is paid again.`,
      );
      return undefined;
    }
  }

  private createTask(): Promise<string> {
    const call = this.callFor('task create', 'create');
    return withRetry(
      async () => {
        // The create is not stopped by a stop: once sent it may be paid, so its id must arrive.
        const response = await sendApiRequest(
          this.http,
          {
            method: 'POST',
            url: `${this.settings.baseURL}/v1/tasks`,
            headers: { ...this.headers, 'content-type': 'application/json' },
            body: JSON.stringify(buildTaskBody(this.request)),
            signal: this.context.signal,
            timeoutMs: this.context.timeoutMs,
          },
          call,
          readHiapiError,
        );
        const parsed = hiapiCreateDataSchema.safeParse(envelopeData(call, response));
        if (!parsed.success) {
          throw mayHaveBilledError(
            badResponse(call, 'the answer has no `data.taskId`', response.headers['x-request-id']),
          );
        }
        return parsed.data.taskId;
      },
      { ...this.retryOptions('task create', this.context.signal), gate: this.context.rateGate },
    );
  }

  /** One poll; `undefined` when the task is unknown (404). */
  private getTask(taskId: string): Promise<HiapiTask | undefined> {
    const call = this.callFor('task poll', 'idempotent', taskId);
    return withRetry(
      async () => {
        try {
          const response = await sendApiRequest(
            this.http,
            {
              method: 'GET',
              url: `${this.settings.baseURL}/v1/tasks/${encodeURIComponent(taskId)}`,
              headers: this.headers,
              signal: this.waitSignal,
              timeoutMs: this.context.timeoutMs,
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
      },
      this.retryOptions('task poll', this.waitSignal),
    );
  }

  /** Poll with waits that grow with the task's age until it ends, or the deadline passes. */
  private waitForTask(
    taskId: string,
    first: HiapiTask | undefined,
    startedAt: number,
  ): Promise<HiapiTask> {
    const { model } = this.request;
    const { maxPollMs, pollIntervalMs } = this.settings;
    const deadline = startedAt + maxPollMs;
    const { durations } = this.settings;
    const kind = `${model} ${this.request.resolution ?? ''} ${this.request.aspect ?? ''}`;
    // Only tasks watched from their creation say how long a task takes.
    const timed = first === undefined;
    return this.stoppable(taskId, async () => {
      let polled = first !== undefined;
      let task = first;
      /** Age at the last poll that found the task still running. */
      let pendingMs: number | undefined;
      for (;;) {
        if (task === undefined) {
          const delay = nextAlignedPollDelay({
            ageMs: Date.now() - startedAt,
            firstMs: pollIntervalMs,
            first: !polled,
            expectedMs: timed ? durations?.expectedMs(kind) : undefined,
          });
          await sleep(Math.max(0, Math.min(delay, deadline - Date.now())), this.waitSignal);
          const askedMs = Date.now() - startedAt;
          task = await this.getTask(taskId);
          if (task && task.status !== 'success' && !FAILED.has(task.status)) pendingMs = askedMs;
          if (task?.status === 'success' && timed) {
            durations?.record(kind, pendingMs, askedMs, pollIntervalMs);
          }
          if (task === undefined) {
            throw new HerogenError(
              'PROVIDER_NOT_FOUND',
              `hiapi ${model}: task ${taskId} disappeared while being polled (HTTP 404). Run again to create a new task (it is paid again).`,
              { requestId: taskId, mayHaveBilled: true },
            );
          }
        }
        if (task.status === 'success' || FAILED.has(task.status)) return task;
        polled = true;
        if (Date.now() >= deadline) {
          throw new HerogenError(
            'TIMEOUT',
            `hiapi ${model}: task ${taskId} is still "${task.status}" after ${formatDuration(maxPollMs)}. Its id is saved: running again resumes polling this task instead of paying for a new one (\`hiapi.maxPollMs\` sets how long to wait).`,
            { requestId: taskId, mayHaveBilled: true },
          );
        }
        task = undefined;
      }
    });
  }

  /** Download a finished task's image. Any failure but an expired URL keeps the task resumable. */
  private async finish(taskId: string, task: HiapiTask): Promise<TaskResult> {
    const { model } = this.request;
    if (FAILED.has(task.status)) throw taskFailed(model, taskId, task);
    const call = this.callFor('download', 'idempotent', taskId);
    const output = task.output?.[0];
    if (!output) throw badResponse(call, 'the finished task has no `output[0].url`');
    let bytes: Uint8Array;
    try {
      bytes = await downloadTaskImage({
        http: this.http,
        url: output.url,
        expireAt: output.expireAt,
        baseURL: this.settings.baseURL,
        call,
        signal: this.context.signal,
        timeoutMs: this.context.timeoutMs,
        maxBodyBytes: this.settings.maxDownloadBytes,
        retry: this.retryOptions('download', this.context.signal),
      });
    } catch (error) {
      if (error instanceof ExpiredDownload || !HerogenError.is(error)) throw error;
      const stopped = error.code === 'ABORTED';
      throw new HerogenError(
        error.code,
        stopped
          ? `hiapi ${model}: stopped while downloading the image of task ${taskId}; the next run downloads it without paying again.`
          : `${error.message} Task ${taskId} is paid and its id is kept: the next run downloads its image again without paying.`,
        { requestId: taskId, status: error.status, cause: error, mayHaveBilled: true },
      );
    }
    const sniffed = sniffImageType(bytes);
    if (!sniffed) throw badResponse(call, 'the downloaded file is not an image');
    return { taskId, bytes, mediaType: sniffed.mediaType, warnings: [...this.warnings] };
  }

  /** A wait for a task that was stopped says which task, and that the next run resumes it. */
  private async stoppable<T>(taskId: string, wait: () => Promise<T>): Promise<T> {
    try {
      return await wait();
    } catch (error) {
      if (!HerogenError.is(error) || error.code !== 'ABORTED') throw error;
      throw new HerogenError(
        'ABORTED',
        `hiapi ${this.request.model}: task ${taskId} still running at hiapi; the next run resumes it without paying again.`,
        { requestId: taskId, cause: error, mayHaveBilled: true },
      );
    }
  }

  private warn(message: string): void {
    const clean = redact(message, this.secrets);
    this.warnings.push(clean);
    this.context.logger.warn(clean);
  }

  private callFor(operation: string, mode: CallContext['mode'], taskId?: string): CallContext {
    return {
      provider: 'hiapi',
      model: this.request.model,
      operation,
      mode,
      secrets: this.secrets,
      advice: HIAPI_ADVICE,
      messageHeuristics: true,
      ...(taskId ? { taskId } : {}),
    };
  }

  private retryOptions(label: string, signal: AbortSignal): WithRetryOptions {
    const { context, request, secrets } = this;
    return {
      policy: resolveRetryPolicy(this.settings.retry, context.maxRetries),
      signal,
      ...(context.pauseAll ? { pauseAll: context.pauseAll } : {}),
      onRetry: (info: RetryInfo) => {
        context.logger.debug(
          redact(
            `hiapi ${request.model}: ${label} attempt ${info.attempt} failed, retrying in ${info.delayMs} ms: ${info.reason}`,
            secrets,
          ),
        );
        context.onRetry?.(info);
      },
    };
  }
}
