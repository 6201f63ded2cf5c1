/**
 * OpenAI Files + Batch API (openai-batch-openapi.json): `POST /v1/files`, `GET /v1/files/:id/content`,
 * `POST /v1/batches`, `GET /v1/batches/:id`, `POST /v1/batches/:id/cancel`. A batch walks by time
 * `validating → in_progress → finalizing → completed` (or `failed`, `expired`, `cancelling →
 * cancelled`); each line's body is validated like a synchronous generation body and answered
 * with the synchronous response body, so the same request gives the same image either way.
 */
import { randomBytes } from 'node:crypto';
import { batchObject, statusOf } from './batch-progress.js';
import {
  type BatchError,
  type BatchLine,
  fileObject,
  type MockBatch,
  storeFile,
} from './batch-store.js';
import type { HandlerContext, HandlerResult, Reply } from './context.js';
import { jsonReply, openaiErrorReply } from './replies.js';

export type {
  BatchError,
  BatchLine,
  BatchOutcome,
  BatchStatus,
  BatchStore,
  BatchTimings,
  MockBatch,
  MockFile,
} from './batch-store.js';
export { createBatchStore } from './batch-store.js';

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
/** The endpoints whose batches this mock runs. */
const RUN_ENDPOINTS = ['/v1/images/generations', '/v1/images/edits'] as const;
const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const BATCH_FIELDS = new Set([
  'input_file_id',
  'endpoint',
  'completion_window',
  'metadata',
  'output_expires_after',
]);

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
  if (purpose === 'vision' && !isImage(file.bytes)) {
    return {
      reply: invalid(
        `Invalid file format for purpose 'vision': '${file.filename}' is not a PNG, JPEG, WebP or GIF image.`,
        'file',
        'invalid_file_format',
      ),
    };
  }
  return {
    produce: async () => {
      const stored = storeFile(ctx, {
        filename: file.filename,
        purpose,
        bytes: file.bytes,
        ttlMs: undefined,
      });
      return jsonReply(200, fileObject(stored));
    },
  };
}

/** `GET /v1/files?purpose&limit&order&after` (`ListFilesResponse`): this key's live files. */
export function handleFileList(ctx: HandlerContext): HandlerResult {
  const query = ctx.url.searchParams;
  const limit = listLimit(query.get('limit'), 10_000);
  if (typeof limit === 'string') return { reply: invalid(limit, 'limit') };
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    return { reply: invalid(`Invalid value for 'order': '${order}'.`, 'order') };
  }
  const purpose = query.get('purpose');
  const now = Date.now();
  const files = [...ctx.state.batch.files.values()].filter(
    (f) =>
      f.key === ctx.key &&
      (f.expiresAt === undefined || now < f.expiresAt) &&
      (purpose === null || f.purpose === purpose),
  );
  // Insertion order is creation order.
  if (order === 'desc') files.reverse();
  const page = pageAfter(files, query.get('after'), limit);
  return {
    produce: async () =>
      jsonReply(200, {
        object: 'list',
        data: page.items.map(fileObject),
        first_id: page.items[0]?.id ?? '',
        last_id: page.items.at(-1)?.id ?? '',
        has_more: page.hasMore,
      }),
  };
}

/** `GET /v1/batches?after&limit` (`ListBatchesResponse`): this key's batches, newest first. */
export function handleBatchList(ctx: HandlerContext): HandlerResult {
  const query = ctx.url.searchParams;
  const limit = listLimit(query.get('limit'), 100, 20);
  if (typeof limit === 'string') return { reply: invalid(limit, 'limit') };
  const batches = [...ctx.state.batch.batches.values()].filter((b) => b.key === ctx.key).reverse();
  const page = pageAfter(batches, query.get('after'), limit);
  return {
    produce: async () =>
      jsonReply(200, {
        object: 'list',
        data: page.items.map((b) => batchObject(b, ctx)),
        ...(page.items.length > 0
          ? { first_id: page.items[0]!.id, last_id: page.items.at(-1)!.id }
          : {}),
        has_more: page.hasMore,
      }),
  };
}

/** `limit` in `1..max` (`fallback` when absent), or why not. */
function listLimit(raw: string | null, max: number, fallback = max): number | string {
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    return `Invalid 'limit': expected an integer between 1 and ${max}, but got '${raw}'.`;
  }
  return value;
}

/** The `limit` items after the one with id `after` (from the start when absent or unknown). */
function pageAfter<T extends { id: string }>(items: T[], after: string | null, limit: number) {
  const start = after === null ? 0 : items.findIndex((i) => i.id === after) + 1;
  const rest = items.slice(start);
  return { items: rest.slice(0, limit), hasMore: rest.length > limit };
}

/** PNG, JPEG, WebP or GIF by magic bytes. */
function isImage(bytes: Buffer): boolean {
  const ascii = (from: number, to: number) => bytes.subarray(from, to).toString('latin1');
  return (
    ascii(1, 4) === 'PNG' ||
    (bytes[0] === 0xff && bytes[1] === 0xd8) ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    ascii(0, 4) === 'GIF8'
  );
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
  if (!(RUN_ENDPOINTS as readonly string[]).includes(endpoint)) {
    return {
      reply: invalid(
        `The herogen mock API runs only ${RUN_ENDPOINTS.join(' and ')} batches (got '${endpoint}').`,
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
