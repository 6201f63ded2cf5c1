/**
 * OpenAI's Batch API for images (openai-batch-openapi.json): upload a JSONL file of requests
 * (`POST /files`, purpose `batch`), create a batch over it (`POST /batches`, window `24h`), poll
 * it (`GET /batches/{id}`), cancel it, and download its output and error files
 * (`GET /files/{id}/content`). Each line's `body` is the synchronous request body, built by the
 * same function; each output line's `body` is a synchronous answer, read by the same reader.
 *
 * Edits (heroes with reference images) go to `/v1/images/edits` batches. The synchronous edit is
 * multipart, which a JSONL line cannot carry, so their lines send the JSON form of the same
 * body (`EditImageBodyJsonParam`), each reference as `{ file_id }` (`ImageRefParam`) of an image
 * uploaded once through `POST /files`, instead of a data URL that would repeat megabytes per
 * line inside the 200 MB input file.
 *
 * This file puts the pieces behind the `BatchApi` contract: the lines (batch-lines.ts), the Files
 * API (files-api.ts) and the Batches API (batches-api.ts), each call made through one retried,
 * late-keyed session (batch-session.ts).
 */
import type { BatchApi, BatchCallContext } from '../../types.js';
import { batchLine, endpointFor, OPENAI_BATCH_PRICE_FACTOR, readBatchLine } from './batch-lines.js';
import { type OpenAIBatchDeps, type Session, withSession } from './batch-session.js';
import { cancelBatch, createBatch, findBatch, retrieveBatch } from './batches-api.js';
import { downloadFile, listFiles, uploadFile } from './files-api.js';
import type { OpenAIProviderOptions } from './options.js';

export { OPENAI_BATCH_PRICE_FACTOR } from './batch-lines.js';
export type { OpenAIBatchDeps } from './batch-session.js';

/** Documented limits of one input file. */
export const OPENAI_BATCH_LIMITS = { maxRequests: 50_000, maxBytes: 200 * 1000 * 1000 } as const;
/**
 * The purpose reference images are uploaded with. `CreateFileRequest.purpose` of
 * openai-batch-openapi.json offers `assistants`, `batch` (Batch API input: JSONL only),
 * `fine-tune`, `vision` ("Images used for vision fine-tuning"), `user_data` ("Flexible file type
 * for any purpose") and `evals`; none names image-edit inputs. `vision` is the image purpose, and
 * what OpenAI's image-generation guide uploads input images with before passing their `file_id`
 * (not verifiable from the vendored docs; `user_data` is the documented catch-all if it is
 * refused). Either way the file persists until deleted (`FileExpirationAfter`: only `batch`
 * files expire by default, after 30 days), so a recorded upload stays usable for later batches.
 */
export const OPENAI_REFERENCE_PURPOSE = 'vision';
/** Edit inputs: "each png/webp/jpg under 50 MB" (providers.md §1.4). */
export const OPENAI_MAX_REFERENCE_BYTES = 50 * 1024 * 1024;

/** The batch side of the `openai` provider. */
export function createOpenAIBatchApi(
  options: OpenAIProviderOptions,
  deps: OpenAIBatchDeps,
): BatchApi {
  const run = <T>(
    context: BatchCallContext,
    operation: string,
    mode: 'idempotent' | 'create',
    send: (s: Session) => Promise<T>,
  ) => withSession({ options, deps, context, operation, mode }, send);
  return {
    priceFactor: OPENAI_BATCH_PRICE_FACTOR,
    limits: OPENAI_BATCH_LIMITS,
    referenceLimit: OPENAI_MAX_REFERENCE_BYTES,
    endpointFor,
    line: (customId, request, fileIds = new Map()) =>
      batchLine(deps, { customId, request, fileIds }),
    async uploadReference(file, context) {
      const type = deps.checkReference(file.path, file.bytes);
      const name = file.path.split('/').pop() || 'reference';
      // An upload may be repeated (an unused file costs nothing but storage).
      return run(context, `reference ${file.path} upload`, 'idempotent', (s) =>
        uploadFile(s, { bytes: file.bytes, type, name, purpose: OPENAI_REFERENCE_PURPOSE }),
      );
    },
    liveReferences: (context) =>
      run(context, 'reference file list', 'idempotent', (s) =>
        listFiles(s, OPENAI_REFERENCE_PURPOSE),
      ),
    uploadInput: (jsonl, context) =>
      run(context, 'batch file upload', 'idempotent', (s) =>
        uploadFile(s, {
          bytes: jsonl,
          type: 'application/jsonl',
          name: 'herogen-batch.jsonl',
          purpose: 'batch',
        }),
      ),
    create: (input, context) =>
      // Never repeated: a create whose answer is lost may have made the batch (see `find`).
      run(context, 'batch create', 'create', (s) => createBatch(s, input)),
    find: (inputFileId, since, context) =>
      run(context, 'batch list', 'idempotent', (s) => findBatch(s, inputFileId, since)),
    retrieve: (id, context) =>
      run(context, `batch ${id} status`, 'idempotent', (s) => retrieveBatch(s, id)),
    cancel: (id, context) =>
      run(context, `batch ${id} cancel`, 'idempotent', (s) => cancelBatch(s, id)),
    download: (fileId, context, saveTo) =>
      run(context, `batch file ${fileId} download`, 'idempotent', (s) =>
        downloadFile(s, fileId, saveTo),
      ),
    readLine: (value, req) => readBatchLine(deps, value, req),
  };
}
