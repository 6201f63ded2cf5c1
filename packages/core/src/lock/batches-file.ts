/**
 * `herogen.batches.json`, beside the lock: every batch submitted to a provider's batch API, the
 * keys it covers and the exact request of each, so `herogen batch collect` works tomorrow on a
 * fresh clone. Committed like the lock; read as hostile input (a clone can hold anything);
 * written atomically under a cross-process lock, sorted and stable for git diffs.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { BATCHES_FILE_NAME, batchesFilePath } from '../fs/project-layout.js';
import { STORED_KEY_PATTERN } from '../key/cache-key.js';
import type { BatchesFile, BatchRecord, RemoteBatchStatus } from '../types.js';
import { acquireFileLock, serializeInProcess } from './file-lock.js';
import { generationRequestSchema, isRootRelativePath } from './schema.js';

export { BATCHES_FILE_NAME };

/** The sidecar of a lock file: `herogen.batches.json` in the lock's folder (`layout.batches`). */
export function batchesPathFor(lockPath: string): string {
  return batchesFilePath(lockPath);
}

const id = z.string().regex(/^[\w-]{1,200}$/, 'expected an API id (letters, digits, _ and -)');
const dateTime = z.iso.datetime({ offset: true });
/** Every status the Batch API reports (spec `Batch.status`). */
export const REMOTE_BATCH_STATUSES = [
  'validating',
  'failed',
  'in_progress',
  'finalizing',
  'completed',
  'expired',
  'cancelling',
  'cancelled',
] as const satisfies readonly RemoteBatchStatus[];
const status = z.enum(REMOTE_BATCH_STATUSES);
const recordSchema = z.strictObject({
  request: generationRequestSchema,
  sources: z.array(
    z.strictObject({
      file: z.string().refine(isRootRelativePath, 'expected a root-relative path'),
      line: z.number().int().nonnegative(),
    }),
  ),
  estimateUsd: z.number().nonnegative().nullable(),
});
const batchSchema = z.strictObject({
  id,
  provider: z.string().min(1).max(100),
  endpoint: z.string().regex(/^\/v1\/[a-z/]+$/),
  inputFileId: id.optional(),
  submittedAt: dateTime,
  state: z.enum(['submitting', 'open', 'collected']),
  collectedAt: dateTime.optional(),
  status: status.optional(),
  images: z.number().int().nonnegative().optional(),
  requests: z.record(z.string().regex(STORED_KEY_PATTERN, 'expected a cache key'), recordSchema),
});
const uploadSchema = z.strictObject({
  provider: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256'),
  fileId: id,
  bytes: z.number().int().nonnegative(),
  uploadedAt: dateTime,
});
const fileSchema = z.strictObject({
  version: z.literal(1),
  batches: z.array(batchSchema),
  uploads: z.array(uploadSchema).optional(),
});

export function emptyBatchesFile(): BatchesFile {
  return { version: 1, batches: [] };
}

/** Read and validate the sidecar; a missing file is an empty one. */
export async function readBatchesFile(path: string): Promise<BatchesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyBatchesFile();
    throw new HerogenError('LOCK_IO', `could not read ${basename(path)}: ${String(error)}`);
  }
  return parseBatchesFile(text, path);
}

export function parseBatchesFile(text: string, path: string): BatchesFile {
  if (text.trim() === '') return emptyBatchesFile();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `it is not valid JSON (${(error as Error).message})`);
  }
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw invalid(path, `${where}${issue?.message ?? 'unexpected content'}`);
  }
  const ids = new Set<string>();
  for (const batch of parsed.data.batches) {
    if (ids.has(batch.id)) throw invalid(path, `batch ${batch.id} is listed twice`);
    ids.add(batch.id);
  }
  return parsed.data as BatchesFile;
}

function invalid(path: string, why: string): HerogenError {
  return new HerogenError(
    'LOCK_INVALID',
    `${basename(path)} is not a valid batch record: ${why}.`,
    {
      hint: `Fix it by hand, or restore the committed version: git checkout -- ${basename(path)}`,
    },
  );
}

/** Stable text: batches in submission order, keys sorted, two-space JSON. */
export function serializeBatchesFile(file: BatchesFile): string {
  const batches = file.batches.map((batch) => ({
    ...batch,
    requests: Object.fromEntries(
      Object.keys(batch.requests)
        .sort()
        .map((key) => [key, batch.requests[key]]),
    ),
  }));
  // Reference uploads sorted by provider and content, so two clones write the same text.
  const uploads = [...(file.uploads ?? [])].sort(
    (a, b) => a.provider.localeCompare(b.provider) || a.sha256.localeCompare(b.sha256),
  );
  const text = uploads.length > 0 ? { version: 1, batches, uploads } : { version: 1, batches };
  return `${JSON.stringify(text, null, 2)}\n`;
}

/**
 * Read-modify-write the sidecar: one writer at a time in this process and across processes,
 * re-read inside the critical section, validated, written atomically.
 */
export async function updateBatchesFile(
  path: string,
  mutate: (file: BatchesFile) => void,
): Promise<BatchesFile> {
  const target = resolve(path);
  return serializeInProcess(`batches:${target}`, async () => {
    await mkdir(dirname(target), { recursive: true });
    const hold = await acquireFileLock(target, { timeoutMs: 60_000 });
    if (!hold) {
      throw new HerogenError(
        'LOCK_IO',
        `Timed out waiting to update ${basename(target)}: another herogen process kept it locked.`,
        { retryable: true, hint: `If no other herogen is running, delete ${target}.lock` },
      );
    }
    try {
      const file = await readBatchesFile(target);
      mutate(file);
      const text = serializeBatchesFile(file);
      // What is written must read back: never leave a file the next run refuses.
      parseBatchesFile(text, target);
      await writeFileAtomic(target, text);
      return file;
    } finally {
      await hold.release();
    }
  });
}

/** How many images a batch was submitted with. */
export function imagesOf(batch: BatchRecord): number {
  return batch.images ?? Object.keys(batch.requests).length;
}

/**
 * Keys covered by batches not yet collected, with the batch that covers each. A `submitting`
 * batch covers its keys too: it may exist at the API already.
 */
export function openBatchKeys(file: BatchesFile): Map<string, BatchRecord> {
  const keys = new Map<string, BatchRecord>();
  for (const batch of file.batches) {
    if (batch.state === 'collected') continue;
    for (const key of Object.keys(batch.requests)) keys.set(key, batch);
  }
  return keys;
}
