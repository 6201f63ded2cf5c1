/**
 * Submissions whose create was sent but never recorded as answered (state `submitting` in
 * `herogen.batches.json`): a crash, a kill or a lost answer between `POST /batches` and the
 * record. Their keys stay covered (never resubmitted silently) until the next batch command
 * looks them up: found in the API's batch list by their input file, they become `open` batches;
 * not found long after the create was sent, they were never created and are dropped, so their
 * images can be submitted again. When the API cannot be asked, nothing changes and it is said.
 */
import { HerogenError } from '../errors.js';
import { readBatchesFile, updateBatchesFile } from '../lock/batches-file.js';
import { plural } from '../text/plural.js';
import type { BatchCallContext, BatchRecord, RemoteBatch } from '../types.js';
import type { RunContext } from './run-state.js';

/**
 * How long after its create was sent a submission the API does not list is taken as never
 * created. Shorter would race a submit still waiting for its answer in another process.
 */
export const SUBMISSION_SETTLE_MS = 10 * 60 * 1000;

export interface RecoveredSubmissions {
  /** Local id → the API's batch, for submissions found created. */
  found: Map<string, RemoteBatch>;
  /** Submissions the API never created: dropped, their images free to submit again. */
  dropped: BatchRecord[];
  /** Still unconfirmed (too recent, or the API could not be asked). */
  unresolved: BatchRecord[];
}

/** Resolve every `submitting` record of the sidecar against the API. */
export async function recoverSubmissions(
  context: RunContext,
  call: BatchCallContext,
  now = Date.now(),
): Promise<RecoveredSubmissions> {
  const result: RecoveredSubmissions = { found: new Map(), dropped: [], unresolved: [] };
  const { batches: sidecar } = context.layout;
  const pending = (await readBatchesFile(sidecar)).batches.filter((b) => b.state === 'submitting');
  if (pending.length === 0) return result;
  const { logger } = context;
  for (const record of pending) {
    const api = context.registry.get(record.provider)?.batch;
    const images = plural(Object.keys(record.requests).length, 'image');
    let remote: RemoteBatch | undefined;
    try {
      if (!api || !record.inputFileId) throw new Error(`${record.provider} has no batch API here`);
      remote = await api.find(
        record.inputFileId,
        Math.floor(Date.parse(record.submittedAt) / 1000),
        call,
      );
    } catch (error) {
      logger.warn(
        `submission ${record.id} (${images}) was sent but its batch was never recorded, and the API could not be asked whether it was created (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): its images are not submitted again until it can be checked`,
      );
      result.unresolved.push(record);
      continue;
    }
    if (remote) {
      const found = remote;
      await updateBatchesFile(sidecar, (file) => {
        const same = file.batches.find((b) => b.id === record.id && b.state === 'submitting');
        if (same) Object.assign(same, { id: found.id, state: 'open', status: found.status });
      });
      logger.warn(
        `found batch ${found.id} (${images}), created by a submit that stopped before recording it; recorded it now`,
      );
      result.found.set(record.id, found);
      continue;
    }
    if (now - Date.parse(record.submittedAt) < SUBMISSION_SETTLE_MS) {
      logger.warn(
        `submission ${record.id} (${images}) was sent at ${record.submittedAt} and is not listed yet: its images are not submitted again until it is`,
      );
      result.unresolved.push(record);
      continue;
    }
    await updateBatchesFile(sidecar, (file) => {
      file.batches = file.batches.filter((b) => !(b.id === record.id && b.state === 'submitting'));
    });
    logger.warn(
      `submission ${record.id} (${images}) was never created at ${record.provider} (no batch over input file ${record.inputFileId}): dropped, its images can be submitted again`,
    );
    result.dropped.push(record);
  }
  return result;
}

/** The error a `submitting` record shows in `status` until it is resolved. */
export function unconfirmedError(record: BatchRecord): HerogenError {
  return new HerogenError(
    'BATCH_PENDING',
    `submission ${record.id} was sent at ${record.submittedAt} but the API's answer was never recorded; the next batch command looks it up by its input file ${record.inputFileId ?? '(unknown)'}`,
  );
}
