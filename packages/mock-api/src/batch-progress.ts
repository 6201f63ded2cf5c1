/**
 * Where a batch is by time (validating → in_progress → finalizing → completed, or failed,
 * expired, cancelling → cancelled), its output files once it ends, and its API object.
 */
import { randomBytes } from 'node:crypto';
import { checkEditLine } from './batch-edits.js';
import {
  type BatchLine,
  type BatchOutcome,
  type BatchStatus,
  type MockBatch,
  seconds,
  storeFile,
} from './batch-store.js';
import type { HandlerContext, Reply } from './context.js';
import { renderLineImage } from './openai-handler.js';
import { resolveOpenAIRequest } from './openai-validate.js';
import { openaiErrorReply, statusFaultReply } from './replies.js';

const EDITS_ENDPOINT = '/v1/images/edits';

/** When line `i` of `n` finishes, in ms after the batch started processing. */
function lineDoneAfter(i: number, n: number, processingMs: number): number {
  return (processingMs * (i + 1)) / n;
}

/**
 * Where a batch is at `now`: by time, plus whether its output files exist yet (finalizing,
 * expiring and cancelling batches stay in that state until they do).
 */
export function statusOf(
  batch: MockBatch,
  ctx: HandlerContext,
  now: number,
): { status: BatchStatus; doneLines: number; endAt?: number } {
  const t = ctx.state.options.batch;
  const startAt = batch.createdAt + t.validatingMs;
  const expiresAt = batch.createdAt + t.windowMs;
  const n = batch.lines.length;
  const doneBy = (at: number) => {
    if (at < startAt) return 0;
    let done = 0;
    while (done < n && startAt + lineDoneAfter(done, n, t.processingMs) <= at) done++;
    return done;
  };
  if (batch.errors.length > 0) {
    return { status: now < startAt ? 'validating' : 'failed', doneLines: 0, endAt: startAt };
  }
  if (batch.cancelledAt !== undefined) {
    const endAt = batch.cancelledAt;
    const done = doneBy(Math.min(endAt, expiresAt));
    if (!settled(batch, ctx, done, endAt) || now < endAt + t.finalizingMs) {
      return { status: 'cancelling', doneLines: done };
    }
    return { status: 'cancelled', doneLines: done, endAt };
  }
  const processedAt = startAt + t.processingMs;
  if (processedAt > expiresAt && now >= expiresAt) {
    const done = doneBy(expiresAt);
    if (!settled(batch, ctx, done, expiresAt)) return { status: 'in_progress', doneLines: done };
    return { status: 'expired', doneLines: done, endAt: expiresAt };
  }
  if (now < startAt) return { status: 'validating', doneLines: 0 };
  if (now < processedAt) return { status: 'in_progress', doneLines: doneBy(now) };
  if (!settled(batch, ctx, n, processedAt) || now < processedAt + t.finalizingMs) {
    return { status: 'finalizing', doneLines: n };
  }
  return { status: 'completed', doneLines: n, endAt: processedAt };
}

/** Start writing the output files (once); true when they exist. */
function settled(batch: MockBatch, ctx: HandlerContext, done: number, at: number): boolean {
  batch.done ??= writeOutcome(batch, ctx, done, at).then((outcome) => {
    batch.outcome = outcome;
    return outcome;
  });
  return batch.outcome !== undefined;
}

/** Answer every line: the first `done` ran (200 or their fault), the rest expired or were cancelled. */
async function writeOutcome(
  batch: MockBatch,
  ctx: HandlerContext,
  done: number,
  at: number,
): Promise<BatchOutcome> {
  const output: string[] = [];
  const errors: string[] = [];
  const usage = { input: 0, output: 0 };
  let completed = 0;
  let failed = 0;
  const stopped = batch.cancelledAt !== undefined ? 'batch_cancelled' : 'batch_expired';
  // Lines are answered a few at a time (sharp encodes off the main thread), in input order.
  const answers = await mapConcurrent(batch.lines.slice(0, done), 4, (line) =>
    answerLine(batch, line, ctx),
  );
  for (const [i, line] of batch.lines.entries()) {
    const id = `batch_req_${randomBytes(12).toString('hex')}`;
    const answer = answers[i];
    if (answer === undefined) {
      failed++;
      errors.push(
        JSON.stringify({
          id,
          custom_id: line.customId,
          response: null,
          error: {
            code: stopped,
            message:
              stopped === 'batch_cancelled'
                ? 'This request was not executed because the batch was cancelled.'
                : 'This request could not be executed before the completion window expired.',
          },
        }),
      );
      continue;
    }
    const record = JSON.stringify({
      id,
      custom_id: line.customId,
      response: { status_code: answer.status, request_id: answer.requestId, body: answer.body },
      error: null,
    });
    if (answer.status === 200) {
      completed++;
      ctx.state.batch.billedLines++;
      const u = (answer.body as { usage?: { input_tokens: number; output_tokens: number } }).usage;
      usage.input += u?.input_tokens ?? 0;
      usage.output += u?.output_tokens ?? 0;
      output.push(record);
    } else {
      failed++;
      errors.push(record);
    }
  }
  // Output lines are not in input order: clients must match them by custom_id.
  output.reverse();
  const ttl = batch.outputTtlMs;
  const write = (lines: string[], suffix: string) =>
    lines.length === 0
      ? undefined
      : storeFile(ctx, {
          filename: `${batch.id}_${suffix}.jsonl`,
          purpose: 'batch_output',
          bytes: Buffer.from(`${lines.join('\n')}\n`),
          ttlMs: ttl,
        }).id;
  return {
    at,
    outputFileId: write(output, 'output'),
    errorFileId: write(errors, 'error'),
    completed,
    failed,
    usage,
  };
}

/** One line, answered exactly like `POST <batch endpoint>` with that body would be. */
async function answerLine(
  batch: MockBatch,
  line: BatchLine,
  ctx: HandlerContext,
): Promise<{ status: number; requestId: string; body: unknown }> {
  const requestId = `req_${randomBytes(16).toString('hex')}`;
  const reply = (r: Reply) => ({
    status: r.status,
    requestId,
    body: JSON.parse((r.body ?? Buffer.from('null')).toString('utf8')) as unknown,
  });
  const checked = checkLine(batch, line, ctx);
  if (!checked.ok) return reply(openaiErrorReply(checked.error));
  if (line.fault?.type === 'status') return reply(statusFaultReply(line.fault, 'openai'));
  return reply(await renderLineImage(ctx, checked.request, line.fault, checked.edit));
}

/** A line's body checked as its endpoint's synchronous body (edits: references found too). */
function checkLine(batch: MockBatch, line: BatchLine, ctx: HandlerContext) {
  if (batch.endpoint !== EDITS_ENDPOINT) {
    const resolved = resolveOpenAIRequest(line.body, 'generations', false);
    return resolved.ok ? { ok: true as const, request: resolved.value, edit: undefined } : resolved;
  }
  const checked = checkEditLine(line.body, ctx);
  if (!checked.ok) return checked;
  return {
    ok: true as const,
    request: checked.request,
    edit: { inputs: checked.inputs, ...(checked.mask ? { mask: checked.mask } : {}) },
  };
}

export function batchObject(batch: MockBatch, ctx: HandlerContext) {
  const now = Date.now();
  const t = ctx.state.options.batch;
  const { status, doneLines, endAt } = statusOf(batch, ctx, now);
  const outcome = batch.outcome;
  const terminal = ['completed', 'expired', 'cancelled', 'failed'].includes(status);
  const startAt = batch.createdAt + t.validatingMs;
  const counts =
    outcome && terminal
      ? { total: batch.lines.length, completed: outcome.completed, failed: outcome.failed }
      : {
          total: status === 'validating' ? 0 : batch.lines.length,
          // Lines finish in order here; their faults are known since creation.
          completed: batch.lines.slice(0, doneLines).filter((l) => willSucceed(batch, l, ctx))
            .length,
          failed: batch.lines.slice(0, doneLines).filter((l) => !willSucceed(batch, l, ctx)).length,
        };
  const at = (name: string, when: number | undefined, show: boolean) =>
    show && when !== undefined ? { [name]: seconds(when) } : {};
  // Absent values are left out (the spec types these fields as plain strings and objects).
  const model = batch.lines[0]?.body.model;
  const outputFileId = terminal ? outcome?.outputFileId : undefined;
  const errorFileId = terminal ? outcome?.errorFileId : undefined;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    ...(typeof model === 'string' ? { model } : {}),
    ...(batch.errors.length > 0 && status === 'failed'
      ? { errors: { object: 'list', data: batch.errors } }
      : {}),
    input_file_id: batch.inputFileId,
    completion_window: '24h',
    status,
    ...(outputFileId ? { output_file_id: outputFileId } : {}),
    ...(errorFileId ? { error_file_id: errorFileId } : {}),
    created_at: seconds(batch.createdAt),
    ...at('in_progress_at', startAt, status !== 'validating' && status !== 'failed'),
    expires_at: seconds(batch.createdAt + t.windowMs),
    ...at(
      'finalizing_at',
      startAt + t.processingMs,
      status === 'finalizing' || status === 'completed',
    ),
    ...at('completed_at', endAt, status === 'completed'),
    ...at('failed_at', endAt, status === 'failed'),
    ...at('expired_at', endAt, status === 'expired'),
    ...at('cancelling_at', batch.cancelledAt, batch.cancelledAt !== undefined),
    ...at('cancelled_at', endAt, status === 'cancelled'),
    request_counts: counts,
    usage: {
      input_tokens: outcome?.usage.input ?? 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outcome?.usage.output ?? 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: (outcome?.usage.input ?? 0) + (outcome?.usage.output ?? 0),
    },
    metadata: batch.metadata,
  };
}

function willSucceed(batch: MockBatch, line: BatchLine, ctx: HandlerContext): boolean {
  return line.fault?.type !== 'status' && checkLine(batch, line, ctx).ok;
}

async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
