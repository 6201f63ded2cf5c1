/**
 * Storing the lines of a finished batch's output file: each image through the same path as a
 * synchronous generation (journal, decode check, atomic write, lock entry with the line's real
 * cost at the batch price and its request id), under the key's claim; a billed line whose image
 * cannot be stored is reported and kept in the lock's spent log.
 */
import { withKeyClaim } from '../lock/claim.js';
import { recordSpent } from '../store/spent-log.js';
import { storeOriginal } from '../store/store-original.js';
import type {
  BatchLineResult,
  BatchRecord,
  GeneratedImage,
  Job,
  Lock,
  LockEntry,
  RemoteBatch,
} from '../types.js';
import { forEachLimited, jsonlFileLines } from './batch-jsonl.js';
import type { BatchCollectOptions, BatchCollectResult } from './batch-results.js';
import { apiOf } from './batch-status.js';
import { asHerogenError } from './job-error.js';
import type { RunContext } from './run-state.js';
import { storeJobImage } from './store-job.js';

/** Images stored at once: storing waits on the disk (fsyncs), not on an API. */
const STORE_CONCURRENCY = 8;

/** One finished batch being collected, and where its outcome goes. */
export interface Collecting {
  record: BatchRecord;
  remote: RemoteBatch;
  context: RunContext;
  options: BatchCollectOptions;
  jobsByKey: ReadonlyMap<string, Job>;
  result: BatchCollectResult;
  /** Keys with a line in the output or error file. */
  answered: Set<string>;
  /** The lock as it is now (re-read when the file changed). */
  readCurrentLock: () => Promise<Lock>;
}

/** Store every line of the downloaded output file at `path` whose image is not stored yet. */
export async function storeOutputLines(
  c: Collecting,
  path: string,
  stored: (key: string) => boolean,
): Promise<void> {
  const api = apiOf(c.context, c.record);
  // Read from disk as slots free up: a few lines' base64 images in memory, not the file's.
  await forEachLimited(jsonlFileLines(path), STORE_CONCURRENCY, async (parse) => {
    if (c.options.signal?.aborted) return;
    // Parsed only now: a few lines' base64 images in memory at a time, not the whole file's.
    const value = parse();
    const key = (value as { custom_id?: unknown })?.custom_id;
    const request = typeof key === 'string' ? c.record.requests[key] : undefined;
    if (!request || typeof key !== 'string') return;
    c.answered.add(key);
    if (stored(key)) {
      c.result.alreadyStored += 1;
      return;
    }
    // Under the key's claim, like a sync generation: a collect (or build) running beside
    // this one cannot store the same key twice.
    await withKeyClaim(
      c.context.layout.root,
      key,
      { ...(c.options.signal ? { signal: c.options.signal } : {}) },
      async () => {
        const current = (await c.readCurrentLock()).images[key];
        if (current && !current.placeholder) {
          c.result.alreadyStored += 1;
          return;
        }
        await storeLine(c, key, api.readLine(value, request.request));
      },
    );
  });
}

/** Store one output line's image, or report why it cannot be (it was billed either way). */
async function storeLine(c: Collecting, key: string, line: BatchLineResult): Promise<void> {
  if (!line.ok) {
    await lose(c, key, {
      why: line.message,
      requestId: line.billed?.requestId ?? line.requestId,
      costUsd: line.billed?.costUsd ?? null,
    });
    return;
  }
  try {
    const entry = await storeLineImage(c, key, line.image);
    c.result.stored.push({ key, entry });
    c.result.costUsd += entry.costUsd ?? 0;
  } catch (error) {
    await lose(c, key, {
      why: asHerogenError(error).message,
      requestId: line.image.requestId,
      costUsd: line.image.costUsd ?? null,
    });
  }
}

/** The same store path as a synchronous image; the plan's job lends the fields that asked. */
function storeLineImage(c: Collecting, key: string, image: GeneratedImage): Promise<LockEntry> {
  const { context } = c;
  const job = c.jobsByKey.get(key);
  if (job) return storeJobImage(job, image, context, { logger: context.logger });
  return storeOriginal({
    root: context.layout.root,
    outDir: context.layout.outDir,
    key,
    request: c.record.requests[key]!.request,
    image,
    lockPath: context.layout.lockPath,
    logger: context.logger,
  });
}

/** A billed line whose image could not be stored: reported, and kept in the lock's spent log. */
async function lose(
  c: Collecting,
  key: string,
  loss: { why: string; requestId: string | undefined; costUsd: number | null },
): Promise<void> {
  const { why, requestId, costUsd } = loss;
  const request = c.record.requests[key]!;
  c.result.lost.push({
    batchId: c.record.id,
    key,
    sources: request.sources,
    ...(requestId ? { requestId } : {}),
    message: `paid, output lost${requestId ? ` (request ${requestId})` : ''}: ${why}`,
  });
  await recordSpent(c.context.layout.lockPath, {
    key,
    provider: request.request.provider,
    model: request.request.model,
    costUsd,
    costConfidence: costUsd === null ? 'unknown' : 'exact',
    at: new Date().toISOString(),
    reason: `batch ${c.record.id}: ${why.split('\n')[0]}`,
    ...(requestId ? { requestId } : {}),
  }).catch((error: unknown) =>
    c.context.logger.warn(
      `could not record in the lock that image ${key} was billed (${asHerogenError(error).message})`,
    ),
  );
}
