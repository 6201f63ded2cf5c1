/**
 * OpenAI's Batches API (openai-batch-openapi.json): `POST /v1/batches`, `GET /v1/batches`,
 * `GET /v1/batches/:id`, `POST /v1/batches/:id/cancel`. A batch walks by time
 * `validating → in_progress → finalizing → completed` (or `failed`, `expired`, `cancelling →
 * cancelled`: batch-progress.ts); each line's body is validated like a synchronous generation
 * body and answered with the synchronous response body, so the same request gives the same image
 * either way. The files batches read and write are served by files-handler.ts.
 */
import { randomBytes } from 'node:crypto';
import { readInputLines } from './batch-input.js';
import { batchObject, statusOf } from './batch-progress.js';
import type { MockBatch } from './batch-store.js';
import { isObject } from './body.js';
import type { HandlerContext, HandlerResult } from './context.js';
import { listLimit, pageAfter } from './list-page.js';
import {
  invalidRequestReply as invalid,
  jsonReply,
  notFoundReply as notFound,
  openaiErrorReply,
} from './replies.js';

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
const BATCH_FIELDS = new Set([
  'input_file_id',
  'endpoint',
  'completion_window',
  'metadata',
  'output_expires_after',
]);

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
