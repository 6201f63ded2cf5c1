/**
 * OpenAI's Batches API: create a batch over an uploaded input file (`POST /batches`, window
 * `24h`), retrieve or cancel it, and find the batch made from an input file (`GET /batches`),
 * each answer read into herogen's `RemoteBatch`.
 */
import { z } from 'zod';
import { HerogenError } from '../../errors.js';
import { REMOTE_BATCH_STATUSES } from '../../lock/batches-file.js';
import type { BatchApi, RemoteBatch } from '../../types.js';
import { type Session, sendJson } from './batch-session.js';
import { apiId } from './files-api.js';

const count = z.number().int().nonnegative();
/** The parts of a `Batch` herogen reads; loose on purpose (unknown fields ignored). */
const batchSchema = z.object({
  id: apiId,
  status: z.enum(REMOTE_BATCH_STATUSES),
  output_file_id: apiId.nullish(),
  error_file_id: apiId.nullish(),
  created_at: z.number().optional(),
  request_counts: z.object({ total: count, completed: count, failed: count }).nullish(),
  errors: z
    .object({
      data: z
        .array(
          z.object({
            code: z.string().nullish(),
            message: z.string().nullish(),
            line: z.number().int().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
const batchListSchema = z.object({
  data: z.array(
    z.object({
      id: apiId,
      input_file_id: z.string().nullish(),
      metadata: z.record(z.string(), z.string()).nullish(),
      created_at: z.number().optional(),
    }),
  ),
  has_more: z.boolean().optional(),
});

export async function createBatch(
  s: Session,
  input: Parameters<BatchApi['create']>[0],
): Promise<RemoteBatch> {
  const body = JSON.stringify({
    input_file_id: input.inputFileId,
    endpoint: input.endpoint,
    completion_window: '24h',
    metadata: input.metadata,
  });
  return readBatch(s, await sendJson(s, { method: 'POST', path: '/batches', body }));
}

export async function retrieveBatch(s: Session, id: string): Promise<RemoteBatch> {
  return readBatch(
    s,
    await sendJson(s, { method: 'GET', path: `/batches/${encodeURIComponent(id)}` }),
  );
}

export async function cancelBatch(s: Session, id: string): Promise<RemoteBatch> {
  const path = `/batches/${encodeURIComponent(id)}/cancel`;
  return readBatch(s, await sendJson(s, { method: 'POST', path }));
}

/**
 * The batch created over `inputFileId`, if any (`GET /batches`, newest first, paged by `after`),
 * looking back to batches created at `since` (unix seconds, minus a minute of clock skew).
 */
export async function findBatch(
  s: Session,
  inputFileId: string,
  since: number,
): Promise<RemoteBatch | undefined> {
  let after: string | undefined;
  for (let page = 0; page < 50; page++) {
    const query = `limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const json = await sendJson(s, { method: 'GET', path: `/batches?${query}` });
    const parsed = batchListSchema.safeParse(json);
    if (!parsed.success) {
      throw new HerogenError('PROVIDER_BAD_RESPONSE', 'openai batch: the batch list is unusable.');
    }
    const data = parsed.data.data;
    const index = data.findIndex((b) => b.input_file_id === inputFileId);
    if (index !== -1) {
      return readBatch(s, (json as { data: unknown[] }).data[index]);
    }
    after = data.at(-1)?.id;
    const oldest = data.at(-1)?.created_at;
    if (!parsed.data.has_more || !after || (oldest !== undefined && oldest < since - 60)) break;
  }
  return undefined;
}

/** A `Batch` object (parsed JSON) as herogen reads it. */
function readBatch(s: Session, value: unknown): RemoteBatch {
  const parsed = batchSchema.safeParse(value);
  if (!parsed.success) {
    throw new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      `openai batch: ${s.call.operation} returned an unusable answer: ${parsed.error.issues[0]?.message ?? 'not a batch'}.`,
    );
  }
  const data = parsed.data;
  return {
    id: data.id,
    status: data.status,
    ...(data.output_file_id ? { outputFileId: data.output_file_id } : {}),
    ...(data.error_file_id ? { errorFileId: data.error_file_id } : {}),
    ...(data.created_at === undefined ? {} : { createdAt: data.created_at }),
    requestCounts: data.request_counts ?? { total: 0, completed: 0, failed: 0 },
    errors: (data.errors?.data ?? []).map((e) => ({
      ...(e.code ? { code: e.code } : {}),
      message: e.message ?? e.code ?? 'unknown error',
      ...(typeof e.line === 'number' ? { line: e.line } : {}),
    })),
  };
}
