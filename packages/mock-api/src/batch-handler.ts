/**
 * OpenAI Files + Batch API (openai-batch-openapi.json): `POST /v1/files`, `GET /v1/files/:id/content`,
 * `POST /v1/batches`, `GET /v1/batches/:id`, `POST /v1/batches/:id/cancel`. A batch walks by time
 * `validating → in_progress → finalizing → completed` (or `failed`, `expired`, `cancelling →
 * cancelled`); each line's body is validated like a synchronous generation body and answered
 * with the synchronous response body, so the same request gives the same image either way.
 */
import { randomBytes } from 'node:crypto';
import type { HandlerContext, HandlerResult, Reply } from './context.js';
import { renderLineImage } from './openai-handler.js';
import { resolveOpenAIRequest } from './openai-validate.js';
import { jsonReply, openaiErrorReply, statusFaultReply } from './replies.js';
import type { Fault } from './types.js';

export const BATCH_ENDPOINTS = [
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
  '/v1/images/generations',
  '/v1/images/edits',
  '/v1/videos',
] as const;
const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const BATCH_FIELDS = new Set([
  'input_file_id',
  'endpoint',
  'completion_window',
  'metadata',
  'output_expires_after',
]);

export interface MockFile {
  id: string;
  key: string;
  filename: string;
  purpose: string;
  bytes: Buffer;
  createdAt: number;
  /** ms since the epoch after which the content answers 404; `undefined` = never. */
  expiresAt: number | undefined;
}

export interface BatchLine {
  /** 1-based line number in the input file. */
  line: number;
  customId: string;
  body: Record<string, unknown>;
  prompt: string | undefined;
  /** The scripted fault for this line (route `openai.batch-line`), chosen at creation. */
  fault: Fault | undefined;
}

export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface MockBatch {
  id: string;
  key: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  lines: BatchLine[];
  /** Whole-file problems found while validating: the batch ends `failed`. */
  errors: BatchError[];
  cancelledAt?: number;
  /** Output TTL for this batch's output and error files (ms). */
  outputTtlMs: number | undefined;
  /** Set once the output and error files exist. */
  done?: Promise<BatchOutcome>;
  outcome?: BatchOutcome;
}

export interface BatchOutcome {
  at: number;
  outputFileId: string | undefined;
  errorFileId: string | undefined;
  completed: number;
  failed: number;
  usage: { input: number; output: number };
}

export type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

export interface BatchTimings {
  validatingMs: number;
  processingMs: number;
  finalizingMs: number;
  windowMs: number;
  outputTtlMs: number | undefined;
  maxRequestsPerFile: number;
  maxFileBytes: number;
}

export interface BatchStore {
  files: Map<string, MockFile>;
  batches: Map<string, MockBatch>;
  /** Lines the real API would have billed (completed with status 200). */
  billedLines: number;
}

export function createBatchStore(): BatchStore {
  return { files: new Map(), batches: new Map(), billedLines: 0 };
}

const invalid = (message: string, param: string | null, code: string | null = null): Reply =>
  openaiErrorReply({ status: 400, message, type: 'invalid_request_error', param, code });

const notFound = (what: string, id: string): Reply =>
  openaiErrorReply({
    status: 404,
    message: `No such ${what}: '${id}'.`,
    type: 'invalid_request_error',
    param: 'id',
    code: null,
  });

const seconds = (ms: number) => Math.floor(ms / 1000);

/** `POST /v1/files` (multipart: `file`, `purpose`). */
export function handleFileCreate(ctx: HandlerContext): HandlerResult {
  if (ctx.body.kind !== 'form') {
    return {
      reply: invalid(
        "Invalid Content-Type header (expected 'multipart/form-data').",
        null,
        'invalid_content_type',
      ),
    };
  }
  const { fields, files } = ctx.body;
  for (const field of [...Object.keys(fields), ...files.map((f) => f.field)]) {
    if (!['file', 'purpose', 'expires_after[anchor]', 'expires_after[seconds]'].includes(field)) {
      return { reply: invalid(`Unrecognized request argument supplied: ${field}`, null) };
    }
  }
  const file = files.find((f) => f.field === 'file');
  if (!file) {
    return {
      reply: invalid("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'),
    };
  }
  const purpose = fields.purpose;
  if (purpose === undefined) {
    return {
      reply: invalid(
        "Missing required parameter: 'purpose'.",
        'purpose',
        'missing_required_parameter',
      ),
    };
  }
  if (!FILE_PURPOSES.includes(purpose)) {
    return { reply: invalid(`Invalid value for 'purpose': '${purpose}'.`, 'purpose') };
  }
  const limits = ctx.state.options.batch;
  if (purpose === 'batch') {
    if (!file.filename.endsWith('.jsonl')) {
      return {
        reply: invalid(
          `Invalid file format for Batch API. Must be .jsonl (got '${file.filename}').`,
          'file',
        ),
      };
    }
    if (file.bytes.length > limits.maxFileBytes) {
      return {
        reply: invalid(
          `File is too large for the Batch API: ${file.bytes.length} bytes, at most ${limits.maxFileBytes}.`,
          'file',
          'file_too_large',
        ),
      };
    }
  }
  return {
    produce: async () => {
      const stored = storeFile(ctx, file.filename, purpose, file.bytes, undefined);
      return jsonReply(200, fileObject(stored));
    },
  };
}

/** `GET /v1/files/:id/content`: the bytes, until the file expires (then 404, as if deleted). */
export function handleFileContent(ctx: HandlerContext, id: string): HandlerResult {
  const file = ctx.state.batch.files.get(id);
  if (
    !file ||
    file.key !== ctx.key ||
    (file.expiresAt !== undefined && Date.now() >= file.expiresAt)
  ) {
    return { reply: notFound('file', id) };
  }
  return {
    produce: async () => ({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: file.bytes,
    }),
  };
}

/** `POST /v1/batches`. */
export function handleBatchCreate(ctx: HandlerContext): HandlerResult {
  if (ctx.body.kind !== 'json' || !isObject(ctx.body.value)) {
    return { reply: invalid('We could not parse the JSON body of your request.', null) };
  }
  const params = ctx.body.value;
  for (const field of Object.keys(params)) {
    if (!BATCH_FIELDS.has(field)) {
      return { reply: invalid(`Unrecognized request argument supplied: ${field}`, null) };
    }
  }
  for (const field of ['input_file_id', 'endpoint', 'completion_window']) {
    if (typeof params[field] !== 'string' || params[field] === '') {
      return {
        reply: invalid(
          `Missing required parameter: '${field}'.`,
          field,
          'missing_required_parameter',
        ),
      };
    }
  }
  const endpoint = params.endpoint as string;
  if (!(BATCH_ENDPOINTS as readonly string[]).includes(endpoint)) {
    return { reply: invalid(`Invalid value for 'endpoint': '${endpoint}'.`, 'endpoint') };
  }
  if (endpoint !== '/v1/images/generations') {
    return {
      reply: invalid(
        `The herogen mock API runs only /v1/images/generations batches (got '${endpoint}').`,
        'endpoint',
        'unsupported_value',
      ),
    };
  }
  if (params.completion_window !== '24h') {
    return {
      reply: invalid(
        `Invalid value for 'completion_window': '${String(params.completion_window)}'. Supported values are: '24h'.`,
        'completion_window',
      ),
    };
  }
  const metadata = checkMetadata(params.metadata);
  if (typeof metadata === 'string') return { reply: invalid(metadata, 'metadata') };
  let outputTtlMs = ctx.state.options.batch.outputTtlMs;
  if (params.output_expires_after !== undefined) {
    const after = params.output_expires_after;
    if (
      !isObject(after) ||
      after.anchor !== 'created_at' ||
      typeof after.seconds !== 'number' ||
      !Number.isInteger(after.seconds) ||
      after.seconds < 3600 ||
      after.seconds > 2_592_000
    ) {
      return {
        reply: invalid(
          "Invalid 'output_expires_after': expected { anchor: 'created_at', seconds: 3600..2592000 }.",
          'output_expires_after',
        ),
      };
    }
    outputTtlMs = Math.min(outputTtlMs ?? Number.POSITIVE_INFINITY, after.seconds * 1000);
  }
  const inputId = params.input_file_id as string;
  const input = ctx.state.batch.files.get(inputId);
  if (!input || input.key !== ctx.key) return { reply: notFound('file', inputId) };
  if (input.purpose !== 'batch') {
    return {
      reply: invalid(
        `File '${inputId}' has purpose '${input.purpose}'; a batch needs purpose 'batch'.`,
        'input_file_id',
      ),
    };
  }
  return {
    produce: async () => {
      const { lines, errors } = readInputLines(input.bytes, endpoint, ctx);
      const batch: MockBatch = {
        id: `batch_${randomBytes(12).toString('hex')}`,
        key: ctx.key ?? '',
        endpoint,
        inputFileId: inputId,
        metadata,
        createdAt: Date.now(),
        lines,
        errors,
        outputTtlMs,
      };
      ctx.state.batch.batches.set(batch.id, batch);
      return jsonReply(200, batchObject(batch, ctx));
    },
  };
}

/** `GET /v1/batches/:id`. */
export function handleBatchGet(ctx: HandlerContext, id: string): HandlerResult {
  const batch = ctx.state.batch.batches.get(id);
  if (!batch || batch.key !== ctx.key) return { reply: notFound('batch', id) };
  return { produce: async () => jsonReply(200, batchObject(batch, ctx)) };
}

/** `POST /v1/batches/:id/cancel`: `cancelling`, then `cancelled` with what completed before. */
export function handleBatchCancel(ctx: HandlerContext, id: string): HandlerResult {
  const batch = ctx.state.batch.batches.get(id);
  if (!batch || batch.key !== ctx.key) return { reply: notFound('batch', id) };
  const status = statusOf(batch, ctx, Date.now()).status;
  if (!['validating', 'in_progress', 'cancelling'].includes(status)) {
    return {
      reply: openaiErrorReply({
        status: 409,
        message: `Cannot cancel a batch with status '${status}'.`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      }),
    };
  }
  return {
    produce: async () => {
      batch.cancelledAt ??= Date.now();
      return jsonReply(200, batchObject(batch, ctx));
    },
  };
}

function storeFile(
  ctx: HandlerContext,
  filename: string,
  purpose: string,
  bytes: Buffer,
  ttlMs: number | undefined,
): MockFile {
  const now = Date.now();
  const file: MockFile = {
    id: `file-${randomBytes(12).toString('hex')}`,
    key: ctx.key ?? '',
    filename,
    purpose,
    bytes,
    createdAt: now,
    expiresAt: ttlMs === undefined ? undefined : now + ttlMs,
  };
  ctx.state.batch.files.set(file.id, file);
  return file;
}

function fileObject(file: MockFile) {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes.length,
    created_at: seconds(file.createdAt),
    ...(file.expiresAt === undefined ? {} : { expires_at: seconds(file.expiresAt) }),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
  };
}

function checkMetadata(value: unknown): Record<string, string> | null | string {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) return "Invalid 'metadata': expected an object of strings.";
  const entries = Object.entries(value);
  if (entries.length > 16) return "Invalid 'metadata': at most 16 keys.";
  for (const [k, v] of entries) {
    if (k.length > 64) return `Invalid 'metadata': key '${k.slice(0, 20)}…' is over 64 characters.`;
    if (typeof v !== 'string') return `Invalid 'metadata.${k}': expected a string.`;
    if (v.length > 512) return `Invalid 'metadata.${k}': value over 512 characters.`;
  }
  return value as Record<string, string>;
}

/**
 * Parse the JSONL input like the validating step: a malformed line, a missing or repeated
 * `custom_id`, another method or URL, or too many lines fail the whole batch. A body the
 * synchronous endpoint would refuse is not a file problem: that line fails with the same 400.
 */
function readInputLines(
  bytes: Buffer,
  endpoint: string,
  ctx: HandlerContext,
): { lines: BatchLine[]; errors: BatchError[] } {
  const lines: BatchLine[] = [];
  const errors: BatchError[] = [];
  const seen = new Set<string>();
  const texts = bytes.toString('utf8').split('\n');
  const { maxRequestsPerFile } = ctx.state.options.batch;
  for (const [index, text] of texts.entries()) {
    const line = index + 1;
    if (text.trim() === '') continue;
    const fail = (code: string, message: string, param: string | null = null) =>
      errors.push({ code, message, param, line });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      fail('invalid_json_line', `Line ${line} is not valid JSON.`);
      continue;
    }
    if (!isObject(value)) {
      fail('invalid_json_line', `Line ${line} is not a JSON object.`);
      continue;
    }
    const customId = value.custom_id;
    if (typeof customId !== 'string' || customId === '') {
      fail('missing_required_parameter', `Line ${line} has no custom_id.`, 'custom_id');
      continue;
    }
    if (seen.has(customId)) {
      fail(
        'duplicate_custom_id',
        `The custom_id '${customId}' on line ${line} is used more than once in the file.`,
        'custom_id',
      );
      continue;
    }
    seen.add(customId);
    if (value.method !== 'POST') {
      fail('invalid_method', `Line ${line}: method must be POST.`, 'method');
      continue;
    }
    if (value.url !== endpoint) {
      fail(
        'mismatched_endpoint',
        `Line ${line}: url '${String(value.url)}' does not match the batch endpoint '${endpoint}'.`,
        'url',
      );
      continue;
    }
    const body = value.body;
    if (!isObject(body)) {
      fail('invalid_request', `Line ${line}: body must be a JSON object.`, 'body');
      continue;
    }
    const prompt = typeof body.prompt === 'string' ? body.prompt : undefined;
    lines.push({ line, customId, body, prompt, fault: ctx.lineFault(prompt) });
  }
  if (lines.length + errors.length > maxRequestsPerFile) {
    errors.unshift({
      code: 'too_many_requests',
      message: `The input file has ${lines.length + errors.length} requests; a batch takes at most ${maxRequestsPerFile}.`,
      param: null,
      line: null,
    });
  }
  if (lines.length === 0 && errors.length === 0) {
    errors.push({
      code: 'empty_file',
      message: 'The input file has no requests.',
      param: null,
      line: null,
    });
  }
  return { lines, errors };
}

/** When line `i` of `n` finishes, in ms after the batch started processing. */
function lineDoneAfter(i: number, n: number, processingMs: number): number {
  return (processingMs * (i + 1)) / n;
}

/**
 * Where a batch is at `now`: by time, plus whether its output files exist yet (finalizing,
 * expiring and cancelling batches stay in that state until they do).
 */
function statusOf(
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
    answerLine(line, ctx),
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
      : storeFile(
          ctx,
          `${batch.id}_${suffix}.jsonl`,
          'batch_output',
          Buffer.from(`${lines.join('\n')}\n`),
          ttl,
        ).id;
  return {
    at,
    outputFileId: write(output, 'output'),
    errorFileId: write(errors, 'error'),
    completed,
    failed,
    usage,
  };
}

/** One line, answered exactly like `POST /v1/images/generations` with that body would be. */
async function answerLine(
  line: BatchLine,
  ctx: HandlerContext,
): Promise<{ status: number; requestId: string; body: unknown }> {
  const requestId = `req_${randomBytes(16).toString('hex')}`;
  const reply = (r: Reply) => ({
    status: r.status,
    requestId,
    body: JSON.parse((r.body ?? Buffer.from('null')).toString('utf8')) as unknown,
  });
  const resolved = resolveOpenAIRequest(line.body, 'generations', false);
  if (!resolved.ok) return reply(openaiErrorReply(resolved.error));
  if (line.fault?.type === 'status') return reply(statusFaultReply(line.fault, 'openai'));
  return reply(await renderLineImage(ctx, resolved.value, line.fault));
}

function batchObject(batch: MockBatch, ctx: HandlerContext) {
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
          completed: batch.lines.slice(0, doneLines).filter((l) => willSucceed(l)).length,
          failed: batch.lines.slice(0, doneLines).filter((l) => !willSucceed(l)).length,
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

function willSucceed(line: BatchLine): boolean {
  return line.fault?.type !== 'status' && resolveOpenAIRequest(line.body, 'generations', false).ok;
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
