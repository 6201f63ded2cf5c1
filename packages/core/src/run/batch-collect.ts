/**
 * `herogen batch collect` (and `status`, `cancel`): ask the API where each open batch of
 * `herogen.batches.json` is; for a finished one, download its output and error files and store
 * every image through the same path as a synchronous generation (journal, decode check, atomic
 * write, lock entry with the line's real cost at the batch price and its request id).
 *
 * Idempotent and crash-safe: a key the lock already holds is skipped, and a batch is marked
 * collected only after every line was handled, so a collect killed halfway downloads the output
 * again next time (the journal of the last images received is completed before that).
 * Output files are streamed to disk and read a line at a time (run/batch-download.ts).
 */
import { HerogenError } from '../errors.js';
import { imagesOf, readBatchesFile, updateBatchesFile } from '../lock/batches-file.js';
import { createCachedLockReader } from '../lock/cached-lock.js';
import { withKeyClaim } from '../lock/claim.js';
import { readLock } from '../lock/read-lock.js';
import { recordSpent } from '../store/spent-log.js';
import { storeOriginal } from '../store/store-original.js';
import type {
  BatchCallContext,
  BatchLineResult,
  BatchRecord,
  GeneratedImage,
  Job,
  Lock,
  LockEntry,
  RemoteBatch,
  RemoteBatchStatus,
} from '../types.js';
import { downloadBatchFile, removeBatchFiles } from './batch-download.js';
import { forEachLimited, jsonlFileLines } from './batch-jsonl.js';
import { unconfirmedError } from './batch-recover.js';
import type {
  BatchCollectOptions,
  BatchCollectResult,
  BatchLineFailure,
  BatchView,
} from './batch-results.js';
import { asHerogenError } from './job-error.js';
import type { RunContext } from './run-state.js';
import { storeJobImage } from './store-job.js';

export type {
  BatchCollectOptions,
  BatchCollectResult,
  BatchLineFailure,
  BatchLoss,
  BatchView,
} from './batch-results.js';

/** Images stored at once: storing waits on the disk (fsyncs), not on an API. */
const STORE_CONCURRENCY = 8;

const FINISHED: ReadonlySet<RemoteBatchStatus> = new Set([
  'completed',
  'expired',
  'cancelled',
  'failed',
]);

export function callContext(
  context: RunContext,
  signal: AbortSignal | undefined,
): BatchCallContext {
  return {
    logger: context.logger,
    timeoutMs: context.config.timeoutMs,
    maxRetries: context.config.maxRetries,
    ...(signal ? { signal } : {}),
  };
}

function estimateOf(record: BatchRecord): number | null {
  let total = 0;
  for (const request of Object.values(record.requests)) {
    if (request.estimateUsd === null) return null;
    total += request.estimateUsd;
  }
  return total;
}

function apiOf(context: RunContext, record: BatchRecord) {
  const api = context.registry.get(record.provider)?.batch;
  if (!api) {
    throw new HerogenError(
      'CONFIG_INVALID',
      `batch ${record.id} was submitted to ${record.provider}, which has no batch API here`,
      { hint: `configure the ${record.provider} provider (and its key) to collect it` },
    );
  }
  return api;
}

/** Open batches (or those named), each with what the API says about it now. */
export async function batchStatus(
  context: RunContext,
  options: Pick<BatchCollectOptions, 'ids' | 'signal'> & { all?: boolean } = {},
): Promise<BatchView[]> {
  const file = await readBatchesFile(context.layout.batches);
  const records = file.batches.filter((b) =>
    options.ids ? options.ids.includes(b.id) : options.all || b.state !== 'collected',
  );
  const views: BatchView[] = [];
  for (const record of records) {
    const view: BatchView = { record, estimateUsd: estimateOf(record) };
    if (record.state === 'submitting') {
      view.error = unconfirmedError(record);
      views.push(view);
      continue;
    }
    try {
      view.remote = await apiOf(context, record).retrieve(
        record.id,
        callContext(context, options.signal),
      );
    } catch (error) {
      view.error = asHerogenError(error);
    }
    views.push(view);
  }
  return views;
}

/** Ask the API to cancel open batches; what completed is collected by `collectBatches`. */
export async function cancelBatches(
  context: RunContext,
  options: Pick<BatchCollectOptions, 'ids' | 'signal'> = {},
): Promise<BatchView[]> {
  const views = await batchStatus(context, options);
  for (const view of views) {
    if (view.record.state !== 'open' || (view.remote && FINISHED.has(view.remote.status))) continue;
    try {
      view.remote = await apiOf(context, view.record).cancel(
        view.record.id,
        callContext(context, options.signal),
      );
    } catch (error) {
      view.error = asHerogenError(error);
    }
  }
  return views;
}

/** Collect every finished open batch (or those named). */
export async function collectBatches(
  context: RunContext,
  options: BatchCollectOptions = {},
): Promise<BatchCollectResult> {
  const result: BatchCollectResult = {
    batches: [],
    stored: [],
    alreadyStored: 0,
    failed: [],
    lost: [],
    pending: [],
    costUsd: 0,
  };
  const views = await batchStatus(context, options);
  result.batches = views;
  const jobsByKey = new Map((options.jobs ?? []).map((job) => [job.key, job]));
  for (const view of views) {
    // Not confirmed created yet (recovery could not tell): nothing to collect from it now.
    if (view.record.state === 'submitting') {
      result.pending.push(view);
      continue;
    }
    if (view.error) throw view.error;
    const remote = view.remote!;
    if (!FINISHED.has(remote.status)) {
      result.pending.push(view);
      continue;
    }
    await collectOne({
      record: view.record,
      remote,
      context,
      options,
      jobsByKey,
      result,
      answered: new Set(),
      readCurrentLock: createCachedLockReader(context.layout.lockPath),
    });
    const collectedAt = new Date().toISOString();
    await updateBatchesFile(context.layout.batches, (file) => {
      const record = file.batches.find((b) => b.id === view.record.id);
      if (!record) return;
      record.state = 'collected';
      record.collectedAt = collectedAt;
      record.status = remote.status;
      // What was stored is in the lock, what failed was reported and is free again: the
      // committed file keeps the batch's id and count, not every request.
      record.images = imagesOf(record);
      record.requests = {};
    });
    view.record = {
      ...view.record,
      state: 'collected',
      collectedAt,
      status: remote.status,
      images: imagesOf(view.record),
      requests: {},
    };
  }
  return result;
}

/** One finished batch being collected, and where its outcome goes. */
interface Collecting {
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

async function collectOne(c: Collecting): Promise<void> {
  const { record, remote } = c;
  if (remote.status === 'failed') {
    const why = remote.errors
      .map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.message}`)
      .join('; ');
    for (const key of Object.keys(record.requests)) {
      failLine(c, key, { message: `the batch failed validation${why ? ` (${why})` : ''}` });
    }
    return;
  }
  const lock = await readLock(c.context.layout.lockPath);
  const stored = (key: string) => {
    const entry = lock.images[key];
    return entry !== undefined && !entry.placeholder;
  };
  // Failed lines first: they cost nothing to read.
  await readErrorFile(c);
  const outputGone = await storeOutputFile(c, stored);
  if (c.options.signal?.aborted) {
    throw new HerogenError(
      'ABORTED',
      `collecting batch ${record.id} was stopped; run collect again to finish it.`,
    );
  }
  // Kept when the collect failed or stopped above: the next one reads them again.
  await removeBatchFiles(c.context.layout.root, record.id, [
    remote.errorFileId,
    remote.outputFileId,
  ]);
  if (outputGone) {
    c.result.lost.push({
      batchId: record.id,
      sources: [],
      message: `paid, output lost: the output file ${remote.outputFileId} of batch ${record.id} can no longer be downloaded (${remote.requestCounts.completed} completed lines were billed)`,
    });
  }
  // Lines in neither file: never run (expired or cancelled before their turn) or, when the
  // output is gone, unknown. Either way they are free to submit again.
  for (const key of Object.keys(record.requests)) {
    if (c.answered.has(key) || stored(key)) continue;
    failLine(c, key, {
      message: outputGone
        ? 'its output can no longer be downloaded'
        : `no result: the batch ended ${remote.status} before this request ran`,
    });
  }
}

function failLine(
  c: Collecting,
  key: string,
  line: Pick<BatchLineFailure, 'message' | 'status' | 'code' | 'requestId'>,
): void {
  c.result.failed.push({
    batchId: c.record.id,
    key,
    sources: c.record.requests[key]?.sources ?? [],
    message: line.message,
    ...(line.status === undefined ? {} : { status: line.status }),
    ...(line.code ? { code: line.code } : {}),
    ...(line.requestId ? { requestId: line.requestId } : {}),
  });
}

/** The file's path on disk, or undefined when the API no longer has it. */
function download(c: Collecting, fileId: string): Promise<string | undefined> {
  const file = { root: c.context.layout.root, batchId: c.record.id, fileId };
  const context = callContext(c.context, c.options.signal);
  return downloadBatchFile(apiOf(c.context, c.record), file, context);
}

async function readErrorFile(c: Collecting): Promise<void> {
  if (!c.remote.errorFileId) return;
  const api = apiOf(c.context, c.record);
  const path = await download(c, c.remote.errorFileId);
  if (!path) return;
  for await (const parse of jsonlFileLines(path)) {
    const line = api.readLine(parse(), undefined);
    if (line.ok || !line.customId || !c.record.requests[line.customId]) continue;
    c.answered.add(line.customId);
    failLine(c, line.customId, line);
  }
}

/** Store every image of the output file not stored yet; true when the file is gone. */
async function storeOutputFile(c: Collecting, stored: (key: string) => boolean): Promise<boolean> {
  if (!c.remote.outputFileId) return false;
  const api = apiOf(c.context, c.record);
  const path = await download(c, c.remote.outputFileId);
  if (!path) return true;
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
  return false;
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
