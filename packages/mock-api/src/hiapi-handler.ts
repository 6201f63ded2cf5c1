import { decompressionBombPng } from './bomb.js';
import type { HandlerContext, HandlerResult, MockTask, Reply } from './context.js';
import { resolveHiapiTask } from './hiapi-validate.js';
import { createTaskId } from './http-utils.js';
import { hashOf, nonImageBytes, renderImage } from './images.js';
import { hiapiErrorReply, jsonReply } from './replies.js';
import type { DownloadTarget, Fault } from './types.js';

export type HiapiTaskStatus = 'queued' | 'handling' | 'archiving' | 'success' | 'fail';

/** Share of the task duration spent before leaving each state. */
const QUEUED_UNTIL = 0.2;
const HANDLING_UNTIL = 0.7;

/** `POST /v1/tasks`. */
export function handleTaskCreate(ctx: HandlerContext): HandlerResult {
  if (ctx.body.kind !== 'json') {
    return { reply: hiapiErrorReply(400, 'invalid request: body must be JSON') };
  }
  const resolved = resolveHiapiTask(ctx.body.value);
  if (!resolved.ok) {
    return { reply: hiapiErrorReply(resolved.status, resolved.message, resolved.errorCode) };
  }
  return {
    produce: async () => {
      const fault = ctx.fault;
      const task: MockTask = {
        id: fault?.type === 'echoKey' ? `${createTaskId()}-${ctx.key ?? ''}` : createTaskId(),
        key: ctx.key ?? '',
        createdAt: Date.now(),
        durationMs:
          fault?.type === 'slowTask' ? fault.durationMs : ctx.state.options.taskDurationMs,
        task: resolved.value,
        outcome:
          fault?.type === 'taskFail' ? 'fail' : fault?.type === 'taskStuck' ? 'stuck' : 'success',
        ...(fault?.type === 'taskFail'
          ? {
              failError: {
                code: fault.code ?? 'GENERATION_FAILED',
                message: fault.message ?? 'image generation failed',
              },
            }
          : {}),
      };
      ctx.state.tasks.set(task.id, task);
      const reply = jsonReply(200, { code: 200, message: 'success', data: { taskId: task.id } });
      return { ...reply, billed: true };
    },
  };
}

/** `GET /v1/tasks/:id`; tasks of another key are invisible (404). */
export function handleTaskGet(ctx: HandlerContext): HandlerResult {
  const task = ctx.task;
  if (!task || task.key !== ctx.key) {
    return { reply: hiapiErrorReply(404, 'task not found') };
  }
  return {
    produce: async () =>
      jsonReply(200, {
        code: 200,
        message: 'success',
        data: describeTask(
          task,
          Date.now(),
          { baseUrl: ctx.state.baseUrl, downloadTtlMs: ctx.state.options.downloadTtlMs },
          ctx.fault,
        ),
      }),
  };
}

/** `GET /files/:taskId/0.png`, the `output[].url` of a finished task (no auth, like a CDN). */
export function handleDownload(ctx: HandlerContext): HandlerResult {
  const task = ctx.task;
  const now = Date.now();
  const fileIndex = ctx.url.pathname.split('/')[3];
  if (!task || fileIndex !== '0.png' || taskStatus(task, now) !== 'success') {
    return { reply: hiapiErrorReply(404, 'file not found') };
  }
  const expireAtMs = finishedAt(task) + ctx.state.options.downloadTtlMs;
  if (ctx.fault?.type === 'expiredDownload' || now >= expireAtMs) {
    return { reply: hiapiErrorReply(410, 'file expired: download it before expireAt') };
  }
  if (ctx.fault?.type === 'redirectDownload') {
    const own = fileUrl(ctx.state.baseUrl, task.id);
    const hop = Number(ctx.url.searchParams.get('hop') ?? 0) + 1;
    const location =
      ctx.fault.to === 'same-origin'
        ? `${new URL(own).pathname}?hop=${hop}`
        : hostileUrl(own, ctx.fault.to);
    return { reply: { status: 302, headers: { location }, body: Buffer.alloc(0) } };
  }
  return {
    produce: async () => {
      const fault = ctx.fault;
      const { width, height } = task.task;
      const seed = taskSeed(task);
      if (fault?.type === 'nonImage') {
        return binaryReply(nonImageBytes(seed), 'image/png');
      }
      if (fault?.type === 'decompressionBomb') {
        const bomb = await decompressionBombPng(fault.width ?? 16000, fault.height ?? 16000);
        return binaryReply(bomb, 'image/png');
      }
      const wrong = fault?.type === 'wrongDimensions';
      const image = await renderImage({
        width: wrong ? Math.max(16, Math.round(width / 32) * 16) : width,
        height: wrong ? Math.max(16, Math.round(height / 32) * 16) : height,
        format: 'png',
        seed,
      });
      if (fault?.type === 'oversizedDownload') {
        return oversizedReply(image, fault.bytes, fault.declareLength ?? true);
      }
      return binaryReply(image, 'image/png');
    },
  };
}

/** The `data` object of a task at time `now`. */
export function describeTask(
  task: MockTask,
  now: number,
  server: { baseUrl: string; downloadTtlMs: number },
  fault?: Fault,
): Record<string, unknown> {
  const { baseUrl, downloadTtlMs } = server;
  const status = taskStatus(task, now);
  const terminal = status === 'success' || status === 'fail';
  const data: Record<string, unknown> = {
    taskId: task.id,
    model: task.task.model,
    status,
    created: Math.floor(task.createdAt / 1000),
    completed: terminal ? Math.floor(finishedAt(task) / 1000) : 0,
  };
  if (status === 'success') {
    const own = fileUrl(baseUrl, task.id);
    const expireAtMs = fault?.type === 'expiredUrl' ? now - 1000 : finishedAt(task) + downloadTtlMs;
    data.output = [
      {
        url: fault?.type === 'downloadUrl' ? hostileUrl(own, fault.to) : own,
        type: 'image',
        expireAt: Math.floor(expireAtMs / 1000),
      },
    ];
  }
  if (status === 'fail') {
    data.error = task.failError ?? {
      code: 'GENERATION_FAILED',
      message: 'image generation failed',
    };
  }
  return data;
}

/** Time-based walk: queued → handling → archiving → success|fail; stuck tasks stay in handling. */
export function taskStatus(task: MockTask, now: number): HiapiTaskStatus {
  const elapsed = now - task.createdAt;
  const d = task.durationMs;
  if (elapsed < d * QUEUED_UNTIL) return 'queued';
  if (task.outcome === 'stuck' || elapsed < d * HANDLING_UNTIL) return 'handling';
  if (elapsed < d) return 'archiving';
  return task.outcome === 'fail' ? 'fail' : 'success';
}

function fileUrl(baseUrl: string, taskId: string): string {
  return `${baseUrl}/files/${encodeURIComponent(taskId)}/0.png`;
}

/** The file at `own` (this server) reached through a URL a client must refuse. */
function hostileUrl(own: string, to: DownloadTarget): string {
  const url = new URL(own);
  switch (to) {
    case 'other-host':
      return `http://localhost:${url.port}${url.pathname}`;
    case 'http':
      return `http://${url.host}${url.pathname}`;
    case 'private':
      return `https://localhost:${url.port}${url.pathname}`;
  }
}

function finishedAt(task: MockTask): number {
  return task.createdAt + task.durationMs;
}

function taskSeed(task: MockTask): string {
  const t = task.task;
  return hashOf('hiapi', t.model, t.prompt, t.aspectRatio, t.resolution, t.inputUrls);
}

function binaryReply(bytes: Buffer, type: string): Reply {
  return { status: 200, headers: { 'content-type': type }, body: bytes };
}

function oversizedReply(image: Buffer, bytes: number, declareLength: boolean): Reply {
  const total = Math.max(bytes, image.length);
  return {
    status: 200,
    headers: { 'content-type': 'image/png' },
    stream: {
      ...(declareLength ? { length: total } : {}),
      async *chunks() {
        yield image;
        const pad = Buffer.alloc(64 * 1024);
        for (let sent = image.length; sent < total; sent += pad.length) {
          yield sent + pad.length <= total ? pad : pad.subarray(0, total - sent);
        }
      },
    },
  };
}
