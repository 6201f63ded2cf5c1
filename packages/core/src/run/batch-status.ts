/**
 * `herogen batch status` and `cancel`: ask the provider's batch API where each recorded batch is,
 * or to stop it. Also what collecting shares with them: which statuses are final, and the batch
 * API and call settings a recorded batch is asked through.
 */
import { HerogenError } from '../errors.js';
import { readBatchesFile } from '../lock/batches-file.js';
import type { BatchApi, BatchCallContext, BatchRecord, RemoteBatchStatus } from '../types.js';
import { unconfirmedError } from './batch-recover.js';
import type { BatchCollectOptions, BatchView } from './batch-results.js';
import { asHerogenError } from './job-error.js';
import type { RunContext } from './run-state.js';

/** Statuses after which a batch changes no more: its files can be collected. */
export const FINISHED: ReadonlySet<RemoteBatchStatus> = new Set([
  'completed',
  'expired',
  'cancelled',
  'failed',
]);

/** The call settings of one batch command (timeouts, retries, its stop signal). */
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

/** The batch's cost at the batch price, as estimated at submit; null when unknown. */
function estimateOf(record: BatchRecord): number | null {
  let total = 0;
  for (const request of Object.values(record.requests)) {
    if (request.estimateUsd === null) return null;
    total += request.estimateUsd;
  }
  return total;
}

/** The batch API a record was submitted to, or why it cannot be asked here. */
export function apiOf(context: RunContext, record: BatchRecord): BatchApi {
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
