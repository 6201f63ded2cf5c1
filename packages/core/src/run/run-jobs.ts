import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { HerogenError } from '../errors.js';
import { createHttpClient } from '../http/client.js';
import { createRateGate } from '../http/rate-gate.js';
import { releaseImageProcess } from '../image/sharp-process.js';
import { createCachedLockReader } from '../lock/cached-lock.js';
import type { HeroProvider, Job, JobResult, RunEvent, RunOptions, RunSummary } from '../types.js';
import { adoptUnlisted } from './adopt-unlisted.js';
import { createBudgetTracker } from './budget.js';
import { type Decision, gatePlan } from './gate.js';
import { generateOne } from './generate-one.js';
import { asHerogenError, withSourceLocation } from './job-error.js';
import { prepareOne } from './prepare-one.js';
import type { RunContext, RunState } from './run-state.js';
import { createScheduler } from './scheduler.js';
import { acquireSlot, createStoreCounter } from './slots.js';
import { storePlaceholder } from './store-placeholder.js';

export type { RunContext } from './run-state.js';

/**
 * Generate every job that needs it through one scheduler. Each paid image is stored and in the
 * lock before its result is reported; failures become placeholders unless `strict`.
 */
export async function runJobs(
  planned: readonly Job[],
  context: RunContext,
  options: RunOptions = {},
): Promise<RunSummary> {
  const { config } = context;
  const emit = (event: RunEvent) => options.onEvent?.(event);
  // A new take of a stored image must never end as a stand-in over the paid original.
  const newTakes = new Set(options.newTakes ?? []);
  // Paid originals the lock lost are recorded from their files, not paid for again.
  const found = await adoptUnlisted(planned, context, options.signal);
  // A stored job is planned at $0; a new take of it costs what a first one does.
  const jobs = found.map((job) => {
    const provider = newTakes.has(job.key) ? context.registry.get(job.request.provider) : undefined;
    return provider && job.status === 'cached'
      ? { ...job, estimate: provider.estimate(job.request) }
      : job;
  });
  const { decisions, toPay } = gatePlan(jobs, context, options, emit);

  const scheduler = createScheduler({ concurrency: config.concurrency, signal: options.signal });
  const rateGate = createRateGate();
  const tracker = createBudgetTracker(config.budget);
  // One keep-alive agent for the whole run, sized to the concurrency.
  const http =
    toPay.length > 0
      ? createHttpClient({ concurrency: config.concurrency, timeoutMs: config.timeoutMs })
      : undefined;
  const state: RunState = {
    context: { ...context, http, rateGate },
    options,
    emit,
    newTakes,
    scheduler,
    // Claiming a key and re-reading the lock wait on the file system, which is busy storing the
    // images that just arrived: doing it inside the provider slot kept the slot idle. So up to
    // `concurrency` jobs are made ready ahead of a free slot (no more: a claim held while waiting
    // would keep a concurrent run off that key).
    ahead: pLimit(config.concurrency),
    stores: createStoreCounter(),
    tracker,
    readCurrentLock: createCachedLockReader(context.layout.lockPath),
    spentBy: new Map(),
  };

  // Each process walks the jobs in its own order, so runs started side by side mostly claim
  // different keys and share the work instead of queueing behind one another's claims.
  const results: JobResult[] = [];
  const tasks = inProcessOrder(jobs).map(async (job): Promise<void> => {
    results.push(await settleJob(job, decisions.get(job)!, state));
  });
  try {
    await Promise.all(tasks);
  } finally {
    await http?.close();
    releaseImageProcess();
  }

  results.sort((a, b) => jobs.indexOf(a.job) - jobs.indexOf(b.job));
  return summarize(results, options.signal?.aborted === true);
}

/** Carry out the gate's decision for one job. */
async function settleJob(job: Job, decision: Decision, state: RunState): Promise<JobResult> {
  const { config } = state.context;
  if (decision.kind === 'cached') {
    return { key: job.key, status: 'cached', job, ...(job.entry ? { entry: job.entry } : {}) };
  }
  if (decision.kind === 'lost') {
    if (decision.error.code === 'ORIGINAL_NOT_PULLED') {
      // The pointer stays as it is: art written over it would stop `git lfs pull` restoring it.
      state.emit({ type: 'failed', job, error: decision.error, placeholder: undefined });
      return { key: job.key, status: 'failed', job, error: decision.error };
    }
    return storePlaceholder(job, decision.error, state, { recordInLock: false });
  }
  if (decision.kind === 'placeholder') {
    if (config.strict || state.newTakes.has(job.key)) {
      state.emit({ type: 'failed', job, error: decision.error, placeholder: undefined });
      return { key: job.key, status: 'failed', job, error: decision.error };
    }
    if (job.status === 'placeholder' && job.entry) {
      return { key: job.key, status: 'placeholder', job, entry: job.entry };
    }
    return storePlaceholder(job, decision.error, state, { recordInLock: true, quiet: true });
  }
  try {
    return await generateJob(job, decision.provider, state);
  } catch (error) {
    return settleFailure(job, asHerogenError(error), state);
  }
}

/** A job whose generation failed: a stand-in, or a reported failure when none may stand in. */
async function settleFailure(job: Job, failure: HerogenError, state: RunState): Promise<JobResult> {
  const { config } = state.context;
  const { emit } = state;
  const newTake = state.newTakes.has(job.key);
  if (failure.code === 'BUDGET_EXCEEDED') {
    // The cap was reached mid-run: onBudget decides what the rest become.
    const error = withSourceLocation(job, failure);
    if (config.onBudget === 'placeholder' && !config.strict && !newTake) {
      return storePlaceholder(job, error, state, { recordInLock: true, quiet: true });
    }
    emit({ type: 'failed', job, error, placeholder: undefined });
    return { key: job.key, status: 'failed', job, error };
  }
  if (failure.code === 'ABORTED') {
    emit({ type: 'skipped', job, reason: failure.message });
    return { key: job.key, status: 'skipped', job, error: failure };
  }
  const spent = state.spentBy.get(job);
  // A paid image that could not be written (disk full): its bytes are in the journal or the
  // temp dir, and a stand-in must not take its place in the lock or on disk. An answer that
  // was refused (not an image, wrong size) has nothing to keep: a stand-in takes its place.
  const refusedAnswer = failure.code === 'IMAGE_INVALID' || failure.billed !== undefined;
  const unwritten = spent !== undefined && !refusedAnswer;
  if (config.strict || newTake || unwritten) {
    emit({ type: 'failed', job, error: failure, placeholder: undefined, spent });
    return { key: job.key, status: 'failed', job, error: failure, spent };
  }
  return storePlaceholder(job, failure, state, { recordInLock: true, spent });
}

/**
 * Make the job ready ahead of its slot, then call the provider inside the slot; the image is
 * stored after the slot is handed on.
 */
async function generateJob(job: Job, provider: HeroProvider, state: RunState): Promise<JobResult> {
  const { scheduler, stores } = state;
  const releaseAhead = await acquireSlot(state.ahead);
  try {
    const ready = await prepareOne(job, state);
    if ('result' in ready) return ready.result;
    let handedOver = false;
    try {
      const stored = await scheduler.run(async () => {
        releaseAhead();
        handedOver = true;
        const store = await generateOne(job, provider, ready, state);
        // Storing starts at once (the journal first); the slot goes to the next image while
        // this one is checked and written, unless so many are being stored that received
        // images would pile up in memory: then the slot waits for one to finish.
        const storing = stores.start(store);
        await stores.below(state.context.config.concurrency);
        // Wrapped: returning the promise itself would hold the slot until it settles.
        return { storing };
      });
      return await stored.storing;
    } finally {
      // Stopped before its turn came: nobody else will release the claim.
      if (!handedOver) await ready.claim.release();
    }
  } finally {
    releaseAhead();
  }
}

function summarize(results: JobResult[], interrupted: boolean): RunSummary {
  const summary: RunSummary = {
    cached: 0,
    generated: 0,
    failed: 0,
    placeholders: 0,
    costUsd: 0,
    costIsEstimate: false,
    interrupted,
    results,
  };
  const refused = { answers: 0, costUsd: 0 };
  for (const result of results) {
    if (result.status === 'cached') summary.cached += 1;
    else if (result.status === 'generated') summary.generated += 1;
    else if (result.status === 'failed') summary.failed += 1;
    else if (result.status === 'placeholder') summary.placeholders += 1;
    if (result.spent) {
      // Billed although nothing was stored: it counts (an unknown cost makes the total a floor).
      refused.answers += 1;
      refused.costUsd += result.spent.costUsd ?? 0;
      summary.costUsd += result.spent.costUsd ?? 0;
      if (result.spent.costConfidence !== 'exact') summary.costIsEstimate = true;
    }
    if (result.status === 'generated' && result.entry) {
      if (result.entry.costUsd === null) summary.costIsEstimate = true;
      else summary.costUsd += result.entry.costUsd;
      if (result.entry.costConfidence !== 'exact') summary.costIsEstimate = true;
    }
  }
  if (refused.answers > 0) summary.refused = refused;
  return summary;
}

/** A stable order unique to this process (results are reported in plan order regardless). */
function inProcessOrder(jobs: readonly Job[]): Job[] {
  const salt = `${process.pid}`;
  const rank = new Map(
    jobs.map((job) => [
      job,
      createHash('sha256')
        .update(salt + job.key)
        .digest('hex'),
    ]),
  );
  return [...jobs].sort((a, b) => (rank.get(a)! < rank.get(b)! ? -1 : 1));
}
