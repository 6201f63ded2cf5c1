import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type BilledAnswer, HerogenError } from '../errors.js';
import { isInside } from '../fs/path-safety.js';
import { releaseBytes } from '../http/media.js';
import { type ArchivedTake, archiveOriginal } from '../store/archive-original.js';
import { clearPendingTask, recordPendingTask } from '../store/pending-task.js';
import { recordSpent } from '../store/spent-log.js';
import type {
  GeneratedImage,
  HeroProvider,
  Job,
  JobResult,
  Lock,
  LockEntry,
  ProviderContext,
  SpentRecord,
} from '../types.js';
import { asHerogenError, withSourceLocation } from './job-error.js';
import type { ReadyJob } from './prepare-one.js';
import type { RunState } from './run-state.js';
import { storeJobImage } from './store-job.js';

/** One provider call for one job, and what the failure path must know about it. */
interface Attempt {
  job: Job;
  provider: HeroProvider;
  /** The paid original kept in history before a new take (undone if the take fails). */
  archived: ArchivedTake | undefined;
  /** The answer's cost was counted toward the cap. */
  settledCost: boolean;
  /** A paid answer received (and billed), not yet stored. */
  answer?: { image: GeneratedImage; at: string } | undefined;
}

/**
 * Call the provider for a ready job, inside its slot. Resolves with the step that stores the
 * image (run by the caller once the slot is free); the claim is released when that step ends,
 * or here if the call fails.
 */
export async function generateOne(
  job: Job,
  provider: HeroProvider,
  { claim, lock }: ReadyJob,
  state: RunState,
): Promise<() => Promise<JobResult>> {
  const { context, tracker, emit } = state;
  const newTake = state.newTakes.has(job.key);
  let store: (() => Promise<JobResult>) | undefined;
  try {
    if (provider.paid && !tracker.tryReserve(job)) {
      throw new HerogenError('BUDGET_EXCEEDED', 'budget reached: this image was not started', {
        hint: 'raise `budget` or pass --budget/--max-images',
      });
    }
    emit({ type: 'start', job });
    // A new take: keep the current paid original in history before anything can replace it.
    const archived = newTake
      ? await archiveOriginal({
          root: context.layout.root,
          outDir: context.layout.outDir,
          lockPath: context.layout.lockPath,
          key: job.key,
          reason: 'regenerate',
          logger: context.logger,
        }).catch((error: unknown) => {
          if (provider.paid) tracker.release(job);
          throw withSourceLocation(job, asHerogenError(error));
        })
      : undefined;
    const attempt: Attempt = { job, provider, archived, settledCost: false };
    let image: GeneratedImage;
    try {
      image = await provider.generate(job.request, providerContextFor(job, provider, lock, state));
    } catch (error) {
      return await failAttempt(attempt, error, state);
    }
    // The response says what it cost: count it before the slot goes to the next image, so the
    // budget check of that image sees it.
    if (provider.paid) {
      tracker.settle(
        job,
        typeof image.costUsd === 'number' && Number.isFinite(image.costUsd) ? image.costUsd : null,
      );
      attempt.settledCost = true;
      attempt.answer = { image, at: new Date().toISOString() };
    }
    store = async () => {
      try {
        return await storeAnswer(attempt, image, state);
      } finally {
        // Stored or given up: nothing reads the received bytes any more.
        releaseBytes(image.bytes);
        await claim.release();
      }
    };
    return store;
  } finally {
    if (!store) await claim.release();
  }
}

/** Write the received image and its lock entry; a failure here goes the way a failed call does. */
async function storeAnswer(
  attempt: Attempt,
  image: GeneratedImage,
  state: RunState,
): Promise<JobResult> {
  const { job, provider } = attempt;
  const { context, emit } = state;
  let entry: LockEntry;
  try {
    entry = await storeJobImage(job, image, context, {
      logger: context.logger,
      ...(provider.paid ? {} : { placeholder: { reason: 'offline art from the local provider' } }),
    });
  } catch (error) {
    return await failAttempt(attempt, error, state);
  }
  emit({ type: 'generated', job, entry });
  return { key: job.key, status: provider.paid ? 'generated' : 'placeholder', job, entry };
}

/** What the provider is given for one job: signals, transport, retry reporting, task journal. */
function providerContextFor(
  job: Job,
  provider: HeroProvider,
  lock: Lock,
  { context, options, scheduler, emit }: RunState,
): ProviderContext {
  const { config } = context;
  const { lockPath, root } = context.layout;
  const pending = lock.pending[job.key];
  return {
    signal: options.cancelSignal ?? new AbortController().signal,
    ...(options.signal ? { stopSignal: options.signal } : {}),
    ...(context.http ? { http: context.http } : {}),
    ...(context.rateGate ? { rateGate: context.rateGate } : {}),
    logger: context.logger,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    pauseAll: (ms) => {
      scheduler.pauseAll(ms);
      emit({ type: 'paused', ms, reason: `${provider.id} asked to slow down` });
    },
    onRetry: ({ attempt, delayMs, reason }) =>
      emit({ type: 'retry', job, attempt, delayMs, reason }),
    readReference: (file) => readInsideRoot(root, file),
    task: {
      resumeTaskId: pending && pending.provider === provider.id ? pending.taskId : undefined,
      record: (taskId) =>
        recordPendingTask(lockPath, job.key, {
          provider: provider.id,
          model: job.request.model,
          taskId,
          createdAt: new Date().toISOString(),
        }),
    },
  };
}

/** Account for a failed call or store (spent, budget, history, task journal), then throw. */
async function failAttempt(attempt: Attempt, error: unknown, state: RunState): Promise<never> {
  const { job, provider, answer } = attempt;
  const { context, tracker } = state;
  const failure = asHerogenError(error);
  // Billed, but not stored: recorded as spent, in the lock too when it can still be written.
  // An answer billed but unusable (not base64, not an image) carries its cost in the error.
  const billed = answer?.image ?? failure.billed;
  if (provider.paid && billed) {
    const record = spentRecord(job, billed, answer?.at ?? new Date().toISOString(), failure);
    state.spentBy.set(job, record);
    await recordSpent(context.layout.lockPath, record).catch((lockError: unknown) =>
      context.logger.warn(
        `could not record in the lock that image ${job.key} was billed (${asHerogenError(lockError).message})`,
      ),
    );
  }
  // A call that may have been billed counts as spent (by its estimate) toward the cap.
  if (provider.paid && !attempt.settledCost) {
    if (failure.billed) tracker.settle(job, failure.billed.costUsd);
    else if (failure.mayHaveBilled) tracker.settle(job, null);
    else tracker.release(job);
  }
  await attempt.archived?.undo().catch(() => undefined);
  // A task that failed for good must not be resumed by the next run; a stuck or interrupted
  // one must be (that is what the journal is for).
  if (failure.code === 'PROVIDER_TASK_FAILED')
    await clearPendingTask(context.layout.lockPath, job.key);
  throw withSourceLocation(job, failure);
}

/** What a billed answer that was not stored cost, and why it was not stored. */
function spentRecord(
  job: Job,
  image: Pick<GeneratedImage, 'costUsd' | 'costConfidence' | 'requestId'> | BilledAnswer,
  at: string,
  failure: HerogenError,
): SpentRecord {
  const costUsd =
    typeof image.costUsd === 'number' && Number.isFinite(image.costUsd) ? image.costUsd : null;
  return {
    key: job.key,
    provider: job.request.provider,
    model: job.request.model,
    costUsd,
    costConfidence: costUsd === null ? 'unknown' : (image.costConfidence ?? 'exact'),
    at,
    reason: `${failure.code}: ${failure.message.split('\n')[0]}`,
    ...(image.requestId ? { requestId: image.requestId } : {}),
  };
}

/** A root-relative file's bytes, refusing paths that leave the root. */
export async function readInsideRoot(root: string, file: string): Promise<Uint8Array> {
  const absolute = path.resolve(root, file);
  if (!isInside(path.resolve(root), absolute)) {
    throw new HerogenError('PATH_OUTSIDE_ROOT', `reference ${file} is outside the project root`);
  }
  return readFile(absolute);
}
