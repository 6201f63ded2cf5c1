/**
 * OpenAI's Files API (openai-batch-openapi.json): `POST /v1/files` (a batch's JSONL input, or a
 * reference image for edit batches), `GET /v1/files` (this key's live files) and
 * `GET /v1/files/:id/content` (inputs, and the output and error files batches write).
 */
import { fileObject, storeFile } from './batch-store.js';
import type { HandlerContext, HandlerResult } from './context.js';
import { listLimit, pageAfter } from './list-page.js';
import { invalidRequestReply as invalid, jsonReply, notFoundReply } from './replies.js';

const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];

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
    return { reply: notFoundReply('file', id) };
  }
  return {
    produce: async () => ({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: file.bytes,
    }),
  };
}
