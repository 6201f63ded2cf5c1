/**
 * `herogen batch collect`: ask the API where each open batch of `herogen.batches.json` is; for a
 * finished one, download its output and error files and store every image through the same path
 * as a synchronous generation (run/batch-store-lines.ts).
 *
 * Idempotent and crash-safe: a key the lock already holds is skipped, and a batch is marked
 * collected only after every line was handled, so a collect killed halfway downloads the output
 * again next time (the journal of the last images received is completed before that).
 * Output files are streamed to disk and read a line at a time (run/batch-download.ts).
 */
import { HerogenError } from '../errors.js';
import { imagesOf, updateBatchesFile } from '../lock/batches-file.js';
import { createCachedLockReader } from '../lock/cached-lock.js';
import { readLock } from '../lock/read-lock.js';
import { downloadBatchFile, removeBatchFiles } from './batch-download.js';
import { jsonlFileLines } from './batch-jsonl.js';
import type { BatchCollectOptions, BatchCollectResult, BatchLineFailure } from './batch-results.js';
import { apiOf, batchStatus, callContext, FINISHED } from './batch-status.js';
import { type Collecting, storeOutputLines } from './batch-store-lines.js';
import type { RunContext } from './run-state.js';

export type {
  BatchCollectOptions,
  BatchCollectResult,
  BatchLineFailure,
  BatchLoss,
  BatchView,
} from './batch-results.js';

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

/** Collect one finished batch: its error lines, then its output, then what neither answered. */
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
  const path = await download(c, c.remote.outputFileId);
  if (!path) return true;
  await storeOutputLines(c, path, stored);
  return false;
}
