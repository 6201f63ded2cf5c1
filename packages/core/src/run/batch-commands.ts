/**
 * The batch commands of a session (`herogen batch submit|status|collect|cancel`), bound to one
 * project: each plans the site the way a build does, then hands the jobs to the batch step.
 */
import type { Job, PlanResult } from '../types.js';
import {
  type BatchCollectOptions,
  type BatchCollectResult,
  type BatchView,
  collectBatches,
} from './batch-collect.js';
import { recoverSubmissions } from './batch-recover.js';
import { batchStatus, callContext, cancelBatches } from './batch-status.js';
import { type BatchSubmitOptions, type BatchSubmitResult, submitBatches } from './batch-submit.js';
import type { RunContext } from './run-state.js';

export interface BatchCommands {
  /** Send the site's missing images to the batch API; records each batch before returning. */
  submit(options?: BatchSubmitOptions): Promise<BatchSubmitResult>;
  /** Open batches (`all`: every recorded one) with the API's status. */
  status(options?: {
    ids?: readonly string[];
    all?: boolean;
    signal?: AbortSignal;
  }): Promise<BatchView[]>;
  /** Store the images of finished batches; idempotent. */
  collect(options?: Omit<BatchCollectOptions, 'jobs'>): Promise<BatchCollectResult>;
  /** Ask the API to cancel open batches (collect afterwards stores what completed). */
  cancel(options?: { ids?: readonly string[]; signal?: AbortSignal }): Promise<BatchView[]>;
}

export function createBatchCommands(
  context: RunContext,
  plan: () => Promise<PlanResult>,
  /** Completes images a killed run or collect had received but not recorded. */
  recover: () => Promise<void>,
): BatchCommands {
  // Every command first settles submissions a crash left unconfirmed (run/batch-recover.ts).
  const settle = (signal: AbortSignal | undefined) =>
    recoverSubmissions(context, callContext(context, signal));
  return {
    async submit(options = {}) {
      await recover();
      await settle(options.signal);
      return submitBatches((await plan()).jobs, context, options);
    },
    async status(options = {}) {
      await settle(options.signal);
      return batchStatus(context, options);
    },
    async collect(options = {}) {
      await recover();
      await settle(options.signal);
      // The plan only lends the fields that asked for each image; content that no longer
      // parses must not keep paid images from being stored.
      let jobs: readonly Job[] = [];
      try {
        jobs = (await plan()).jobs;
      } catch (error) {
        context.logger.warn(
          `the content could not be planned (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); collecting without it`,
        );
      }
      return collectBatches(context, { ...options, jobs });
    },
    async cancel(options = {}) {
      await settle(options.signal);
      return cancelBatches(context, options);
    },
  };
}
