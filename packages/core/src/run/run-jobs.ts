import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import type { ResolvedConfig } from '../config/schema.js';
import { type BilledAnswer, errorOptions, HerogenError } from '../errors.js';
import { isInside } from '../fs/path-safety.js';
import { createHttpClient, type HttpClient } from '../http/client.js';
import { createRateGate, type RateGate } from '../http/rate-gate.js';
import { createCachedLockReader } from '../lock/cached-lock.js';
import { claimKey, type KeyClaim, resolveClaimDir, withKeyClaim } from '../lock/claim.js';
import { readLock } from '../lock/read-lock.js';
import { fieldsOfJob } from '../plan/job-fields.js';
import { renderPlaceholder } from '../providers/local.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { archiveOriginal } from '../store/archive-original.js';
import { checkStoredFile } from '../store/check-stored.js';
import { clearPendingTask, recordPendingTask } from '../store/pending-task.js';
import { recoverIncoming } from '../store/recover-incoming.js';
import { recordSpent } from '../store/spent-log.js';
import { storeOriginal } from '../store/store-original.js';
import { agree, plural } from '../text/plural.js';
import { printablePath } from '../text/printable.js';
import type {
  GeneratedImage,
  HeroProvider,
  Job,
  JobResult,
  Lock,
  LockEntry,
  Logger,
  ProviderContext,
  RunEvent,
  RunOptions,
  RunSummary,
  SpentRecord,
} from '../types.js';
import { adoptUnlisted } from './adopt-unlisted.js';
import { checkBudget, createBudgetTracker } from './budget.js';
import { formatUsd } from './format-summary.js';
import { createScheduler } from './scheduler.js';

export interface RunContext {
  root: string;
  config: ResolvedConfig;
  registry: ProviderRegistry;
  lockPath: string;
  /** Absolute path of the originals directory. */
  outDir: string;
  logger: Logger;
  http?: HttpClient | undefined;
  rateGate?: RateGate | undefined;
}

type Decision =
  | { kind: 'cached' }
  | { kind: 'generate'; provider: HeroProvider }
  | { kind: 'placeholder'; reason: string; error: HerogenError }
  /** A paid original recorded in the lock is gone or damaged: never pay again silently. */
  | { kind: 'lost'; error: HerogenError };

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
  const frozen = config.frozen || options.frozen === true;
  // A new take of a stored image must never end as a stand-in over the paid original.
  const renew = new Set(options.renew ?? []);
  // Paid originals the lock lost are recorded from their files, not paid for again.
  const found = await adoptUnlisted(planned, context, options.signal);
  // A stored job is planned at $0; a new take of it costs what a first one does.
  const jobs = found.map((job) => {
    const provider = renew.has(job.key) ? context.registry.get(job.request.provider) : undefined;
    return provider && job.status === 'cached'
      ? { ...job, estimate: provider.estimate(job.request) }
      : job;
  });
  const decisions = new Map<Job, Decision>();
  for (const job of jobs) decisions.set(job, decide(job, context, frozen, renew.has(job.key)));

  // Offline art costs nothing and counts toward no budget.
  const toPay = jobs.filter((job) => decisionPaid(decisions.get(job)));
  const budget = checkBudget(toPay, config.budget);
  const cachedCount = jobs.filter((job) => decisions.get(job)?.kind === 'cached').length;
  emit({
    type: 'plan',
    total: jobs.length,
    missing: jobs.length - cachedCount,
    cached: cachedCount,
    estimateUsd: budget.estimateUsd,
  });
  if (!budget.ok && config.onBudget === 'fail') {
    throw new HerogenError(
      'BUDGET_EXCEEDED',
      `refusing to start (plan: ${plural(jobs.length, 'image')}, ${cachedCount} cached, ${budget.images} to pay for${config.budget?.maxUsd === undefined ? `, estimated ${formatUsd(budget.estimateUsd, true)}` : ''}): ${budget.reasons.join('; ')}. Nothing was generated or paid for.`,
      {
        hint: 'see `herogen plan`; raise `budget` in herogen.config, pass --budget/--max-images, or set onBudget: "placeholder"',
      },
    );
  }
  if (!options.frozen) noticeStandIns(jobs, decisions, context);

  const scheduler = createScheduler({ concurrency: config.concurrency, signal: options.signal });
  const rateGate = createRateGate();
  const tracker = createBudgetTracker(config.budget);
  const results: JobResult[] = [];
  // Answers billed but not stored, by job: they count as spent in the summary.
  const spentBy = new Map<Job, SpentRecord>();
  // One keep-alive agent for the whole run, sized to the concurrency.
  const http =
    toPay.length > 0
      ? createHttpClient({ concurrency: config.concurrency, timeoutMs: config.timeoutMs })
      : undefined;

  const readCurrentLock = createCachedLockReader(context.lockPath);
  // Claiming a key and re-reading the lock wait on the file system, which is busy storing the
  // images that just arrived: doing it inside the provider slot kept the slot idle. So up to
  // `concurrency` jobs are made ready ahead of a free slot (no more: a claim held while waiting
  // would keep a concurrent run off that key).
  const ahead = pLimit(config.concurrency);
  const generateJob = async (job: Job, provider: HeroProvider): Promise<JobResult> => {
    const leaveAhead = await holdPlace(ahead);
    try {
      const ready = await prepareOne(job, context, readCurrentLock, options, emit);
      if ('result' in ready) return ready.result;
      let handedOver = false;
      try {
        const stored = await scheduler.run(async () => {
          leaveAhead();
          handedOver = true;
          const store = await generateOne(
            job,
            provider,
            ready,
            { ...context, http, rateGate },
            options,
            tracker,
            scheduler.pauseAll,
            emit,
            (record) => spentBy.set(job, record),
          );
          // Storing starts at once (the journal first); the slot goes to the next image while
          // this one is checked and written, unless so many are being stored that received
          // images would pile up in memory: then the slot waits for one to finish.
          const storing = stores.start(store);
          await stores.below(config.concurrency);
          // Wrapped: returning the promise itself would hold the slot until it settles.
          return { storing };
        });
        return await stored.storing;
      } finally {
        // Stopped before its turn came: nobody else will release the claim.
        if (!handedOver) await ready.claim.release();
      }
    } finally {
      leaveAhead();
    }
  };

  // Each process walks the jobs in its own order, so runs started side by side mostly claim
  // different keys and share the work instead of queueing behind one another's claims.
  const stores = createStoreCounter();
  const tasks = inProcessOrder(jobs).map(async (job): Promise<void> => {
    const decision = decisions.get(job)!;
    if (decision.kind === 'cached') {
      results.push({
        key: job.key,
        status: 'cached',
        job,
        ...(job.entry ? { entry: job.entry } : {}),
      });
      return;
    }
    if (decision.kind === 'lost') {
      results.push(await standIn(job, decision.error, context, { recordInLock: false }, emit));
      return;
    }
    if (decision.kind === 'placeholder') {
      if (config.strict || renew.has(job.key)) {
        emit({ type: 'failed', job, error: decision.error, placeholder: undefined });
        results.push({ key: job.key, status: 'failed', job, error: decision.error });
        return;
      }
      if (job.status === 'placeholder' && job.entry) {
        results.push({ key: job.key, status: 'placeholder', job, entry: job.entry });
        return;
      }
      results.push(
        await standIn(job, decision.error, context, { recordInLock: true, quiet: true }, emit),
      );
      return;
    }
    try {
      results.push(await generateJob(job, decision.provider));
    } catch (error) {
      const failure = asHerogenError(error);
      if (failure.code === 'BUDGET_EXCEEDED') {
        // The cap was reached mid-run: onBudget decides what the rest become.
        const error = located(job, failure);
        if (config.onBudget === 'placeholder' && !config.strict && !renew.has(job.key)) {
          results.push(
            await standIn(job, error, context, { recordInLock: true, quiet: true }, emit),
          );
          return;
        }
        emit({ type: 'failed', job, error, placeholder: undefined });
        results.push({ key: job.key, status: 'failed', job, error });
        return;
      }
      if (failure.code === 'ABORTED') {
        emit({ type: 'skipped', job, reason: failure.message });
        results.push({ key: job.key, status: 'skipped', job, error: failure });
        return;
      }
      const spent = spentBy.get(job);
      // A paid image that could not be written (disk full): its bytes are in the journal or the
      // temp dir, and a stand-in must not take its place in the lock or on disk. An answer that
      // was refused (not an image, wrong size) has nothing to keep: a stand-in takes its place.
      const refusedAnswer = failure.code === 'IMAGE_INVALID' || failure.billed !== undefined;
      const unwritten = spent !== undefined && !refusedAnswer;
      if (config.strict || renew.has(job.key) || unwritten) {
        emit({ type: 'failed', job, error: failure, placeholder: undefined, spent });
        results.push({ key: job.key, status: 'failed', job, error: failure, spent });
        return;
      }
      results.push(await standIn(job, failure, context, { recordInLock: true, spent }, emit));
    }
  });
  try {
    await Promise.all(tasks);
  } finally {
    await http?.close();
  }

  results.sort((a, b) => jobs.indexOf(a.job) - jobs.indexOf(b.job));
  return summarize(results, options.signal?.aborted === true);
}

/** Environment variable that holds each built-in paid provider's key, for hints. */
const KEY_VARIABLE: Readonly<Record<string, string>> = {
  openai: 'OPENAI_API_KEY',
  hiapi: 'HIAPI_API_KEY',
};

function decide(job: Job, context: RunContext, frozen: boolean, renewing: boolean): Decision {
  if (job.status === 'cached' && !renewing) return { kind: 'cached' };
  const standIn = (
    reason: string,
    code: HerogenError['code'],
    message: string,
    hint?: string,
  ): Decision => ({
    kind: 'placeholder',
    reason,
    error: located(job, new HerogenError(code, message, hint ? { hint } : {})),
  });
  const provider = context.registry.get(job.request.provider);
  if (!provider) {
    return standIn(
      'unknown provider',
      'REQUEST_INVALID',
      `unknown provider "${job.request.provider}"`,
    );
  }
  if (
    !renewing &&
    job.entry &&
    !job.entry.placeholder &&
    (job.status === 'missing' || job.status === 'corrupt')
  ) {
    const what =
      job.status === 'missing' ? 'is missing' : 'does not match the lock (damaged or replaced)';
    return {
      kind: 'lost',
      error: located(
        job,
        new HerogenError(
          'IMAGE_INVALID',
          `the paid original ${job.entry.file} ${what}; not paying for it again`,
          {
            hint: `restore it with \`git checkout -- ${job.entry.file}\`, or run \`herogen regenerate ${job.key}\` to pay for a new take`,
          },
        ),
      ),
    };
  }
  if (provider.paid && frozen) {
    return standIn(
      'frozen',
      'FROZEN',
      'frozen mode: no paid API call is made, an offline placeholder stands in',
      'run without --frozen / HEROGEN_FROZEN to generate it',
    );
  }
  if (provider.paid && !provider.isConfigured()) {
    const variable = KEY_VARIABLE[provider.id];
    if (renewing) {
      // Kept after a switch of API key (provider: auto): the new take is asked of its maker.
      return standIn(
        'no credentials',
        'PROVIDER_AUTH',
        `no API key for ${provider.id}, which made this image: no new take was made`,
        `set ${variable ?? `the key of ${provider.id}`} for a new take by ${provider.id}, or name the provider that should make one on the hero (\`provider:\`)`,
      );
    }
    return standIn(
      'no credentials',
      'PROVIDER_AUTH',
      `no API key for ${provider.id}: an offline placeholder stands in`,
      variable ? `set ${variable}` : 'configure the provider',
    );
  }
  if (!provider.paid && (context.config.strict || renewing) && isKeylessFallback(job, context)) {
    // `provider: auto` fell back to offline art because no key is set: not an AI image.
    return standIn(
      'no credentials',
      'PROVIDER_AUTH',
      `no API key set, so only an offline placeholder could be made${renewing ? '; the current image is kept' : ' (strict mode)'}`,
      'set OPENAI_API_KEY or HIAPI_API_KEY',
    );
  }
  return { kind: 'generate', provider };
}

/** The job uses the local provider only because `provider: auto` found no API key. */
function isKeylessFallback(job: Job, context: RunContext): boolean {
  return (
    context.config.provider === 'auto' &&
    job.request.provider === context.registry.defaultId &&
    job.sources.every((source) => source.spec.provider === undefined)
  );
}

function decisionPaid(decision: Decision | undefined): boolean {
  return decision?.kind === 'generate' && decision.provider.paid;
}

/**
 * One loud line per reason when images will not be real AI images (frozen, no key): in CI
 * without secrets this is expected, so it is a notice, not a failure (unless strict).
 */
function noticeStandIns(
  jobs: readonly Job[],
  decisions: ReadonlyMap<Job, Decision>,
  context: RunContext,
): void {
  const { config, logger } = context;
  const count = { frozen: 0, keys: new Map<string, number>(), fallback: 0 };
  for (const job of jobs) {
    const decision = decisions.get(job);
    if (decision?.kind === 'placeholder' && decision.reason === 'frozen') count.frozen += 1;
    else if (decision?.kind === 'placeholder' && decision.reason === 'no credentials') {
      const id = isKeylessFallback(job, context) ? 'auto' : job.request.provider;
      count.keys.set(id, (count.keys.get(id) ?? 0) + 1);
    } else if (
      decision?.kind === 'generate' &&
      !decision.provider.paid &&
      isKeylessFallback(job, context)
    ) {
      count.fallback += 1;
    }
  }
  const outcome = (n: number) =>
    `${plural(n, 'image')} ${
      config.strict
        ? `${agree(n, 'fails', 'fail')} (strict mode)`
        : `${agree(n, 'gets an offline placeholder', 'get offline placeholders')} (not a failure; --strict makes it one)`
    }`;
  if (count.frozen > 0) {
    logger.warn(`frozen mode: no paid API call is made; ${outcome(count.frozen)}`);
  }
  for (const [id, n] of count.keys) {
    const env =
      id === 'openai' ? 'OPENAI_API_KEY' : id === 'hiapi' ? 'HIAPI_API_KEY' : `a key for ${id}`;
    logger.warn(
      `no API key for ${id === 'auto' ? 'any provider' : id}: ${outcome(n)}. Set ${id === 'auto' ? 'OPENAI_API_KEY or HIAPI_API_KEY' : env} (in CI, as a secret) to generate them`,
    );
  }
  if (count.fallback > 0) {
    logger.warn(
      `no API key set (OPENAI_API_KEY or HIAPI_API_KEY): ${plural(count.fallback, 'image')} ${agree(count.fallback, 'gets', 'get')} offline placeholder art, not AI images (not a failure; --strict makes it one)`,
    );
  }
}

/** Wait for a place in `limit`; resolves with the function that gives it back (idempotent). */
function holdPlace(limit: LimitFunction): Promise<() => void> {
  return new Promise((granted) => {
    void limit(
      () =>
        new Promise<void>((leave) => {
          let left = false;
          granted(() => {
            if (!left) {
              left = true;
              leave();
            }
          });
        }),
    );
  });
}

/** Counts images being stored, so the scheduler can hold back when storing falls behind. */
function createStoreCounter() {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    start(store: () => Promise<JobResult>): Promise<JobResult> {
      running += 1;
      const result = store();
      result
        .finally(() => {
          running -= 1;
          waiting.shift()?.();
        })
        .catch(() => undefined);
      return result;
    },
    /** Resolves once at most `limit` images are being stored. */
    async below(limit: number): Promise<void> {
      while (running > limit) await new Promise<void>((wake) => waiting.push(wake));
    },
  };
}

/** A job whose key this process holds, checked against the lock as it is now. */
interface ReadyJob {
  claim: KeyClaim;
  lock: Lock;
}

/**
 * Claim the job's key and check nothing made the call unneeded meanwhile: another process
 * stored the image, or a killed run left it in the journal. Either way the job is settled
 * without a call (`result`); otherwise the claim is handed to `generateOne`.
 */
async function prepareOne(
  job: Job,
  context: RunContext,
  readCurrentLock: () => Promise<Lock>,
  options: RunOptions,
  emit: (event: RunEvent) => void,
): Promise<{ result: JobResult } | ReadyJob> {
  const { lockPath, root } = context;
  const claim = await claimKey(root, job.key, { signal: options.signal });
  if (!claim) {
    throw new HerogenError(
      'TIMEOUT',
      `Waited 900s for another herogen process that is generating image ${job.key}; giving up.`,
      {
        retryable: true,
        hint: `Run the build again once the other one finishes. If none is running, delete ${path.join(resolveClaimDir(root), `${job.key}.lock`)}.`,
      },
    );
  }
  let ready = false;
  try {
    // Another process may have stored this key before we held the claim.
    const lock = await readCurrentLock();
    const stored = lock.images[job.key];
    const renewing = options.renew?.includes(job.key) === true;
    if (stored && !stored.placeholder && job.status !== 'corrupt' && !renewing) {
      emit({ type: 'skipped', job, reason: 'stored by another run' });
      return { result: { key: job.key, status: 'cached', job, entry: stored } };
    }
    // A run killed after receiving this image left it in the write-ahead journal: record it
    // instead of paying again (this run holds the claim, so nobody else is storing it).
    const [recovered] = await recoverIncoming({
      root,
      lockPath,
      outDir: context.outDir,
      logger: context.logger,
      keys: [job.key],
      claim: false,
    });
    if (recovered?.outcome === 'recorded' && recovered.entry) {
      emit({ type: 'skipped', job, reason: 'recovered from an interrupted run' });
      return { result: { key: job.key, status: 'cached', job, entry: recovered.entry } };
    }
    ready = true;
    return { claim, lock };
  } finally {
    if (!ready) await claim.release();
  }
}

/**
 * Call the provider for a ready job, inside its slot. Resolves with the step that stores the
 * image (run by the caller once the slot is free); the claim is released when that step ends,
 * or here if the call fails.
 */
async function generateOne(
  job: Job,
  provider: HeroProvider,
  { claim, lock }: ReadyJob,
  context: RunContext,
  options: RunOptions,
  tracker: ReturnType<typeof createBudgetTracker>,
  pauseAll: (ms: number) => void,
  emit: (event: RunEvent) => void,
  onSpent: (record: SpentRecord) => void,
): Promise<() => Promise<JobResult>> {
  const { config, lockPath, root } = context;
  const signal = options.cancelSignal ?? new AbortController().signal;
  const renewing = options.renew?.includes(job.key) === true;
  let store: (() => Promise<JobResult>) | undefined;
  try {
    if (provider.paid && !tracker.tryReserve(job)) {
      throw new HerogenError('BUDGET_EXCEEDED', 'budget reached: this image was not started', {
        hint: 'raise `budget` or pass --budget/--max-images',
      });
    }
    emit({ type: 'start', job });
    // A new take: keep the current paid original in history before anything can replace it.
    const archived = renewing
      ? await archiveOriginal({
          root,
          outDir: context.outDir,
          lockPath,
          key: job.key,
          reason: 'regenerate',
          logger: context.logger,
        }).catch((error: unknown) => {
          if (provider.paid) tracker.release(job);
          throw located(job, asHerogenError(error));
        })
      : undefined;
    const pending = lock.pending[job.key];
    const providerContext: ProviderContext = {
      signal,
      ...(options.signal ? { stopSignal: options.signal } : {}),
      ...(context.http ? { http: context.http } : {}),
      ...(context.rateGate ? { rateGate: context.rateGate } : {}),
      logger: context.logger,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      pauseAll: (ms) => {
        pauseAll(ms);
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
    let settledCost = false;
    let answer: { image: GeneratedImage; at: string } | undefined;
    const fail = async (error: unknown): Promise<never> => {
      const failure = asHerogenError(error);
      // Billed, but not stored: recorded as spent, in the lock too when it can still be written.
      // An answer billed but unusable (not base64, not an image) carries its cost in the error.
      const billed = answer?.image ?? failure.billed;
      if (provider.paid && billed) {
        const record = spentRecord(job, billed, answer?.at ?? new Date().toISOString(), failure);
        onSpent(record);
        await recordSpent(lockPath, record).catch((lockError: unknown) =>
          context.logger.warn(
            `could not record in the lock that image ${job.key} was billed (${asHerogenError(lockError).message})`,
          ),
        );
      }
      // A call that may have been billed counts as spent (by its estimate) toward the cap.
      if (provider.paid && !settledCost) {
        if (failure.billed) tracker.settle(job, failure.billed.costUsd);
        else if (failure.mayHaveBilled) tracker.settle(job, null);
        else tracker.release(job);
      }
      await archived?.undo().catch(() => undefined);
      // A task that failed for good must not be resumed by the next run; a stuck or interrupted
      // one must be (that is what the journal is for).
      if (failure.code === 'PROVIDER_TASK_FAILED') await clearPendingTask(lockPath, job.key);
      throw located(job, failure);
    };
    let image: GeneratedImage;
    try {
      image = await provider.generate(job.request, providerContext);
    } catch (error) {
      return await fail(error);
    }
    // The response says what it cost: count it before the slot goes to the next image, so the
    // budget check of that image sees it.
    if (provider.paid) {
      tracker.settle(
        job,
        typeof image.costUsd === 'number' && Number.isFinite(image.costUsd) ? image.costUsd : null,
      );
      settledCost = true;
      answer = { image, at: new Date().toISOString() };
    }
    store = async () => {
      try {
        let entry: LockEntry;
        try {
          entry = await storeOriginal({
            root,
            outDir: context.outDir,
            key: job.key,
            request: job.request,
            image,
            lockPath,
            logger: context.logger,
            fields: fieldsOfJob(job, config.field),
            ...(provider.paid
              ? {}
              : { placeholder: { reason: 'offline art from the local provider' } }),
          });
        } catch (error) {
          return await fail(error);
        }
        emit({ type: 'generated', job, entry });
        return { key: job.key, status: provider.paid ? 'generated' : 'placeholder', job, entry };
      } finally {
        await claim.release();
      }
    };
    return store;
  } finally {
    if (!store) await claim.release();
  }
}

/** Store offline art under the job's key so the site still builds, and report the failure. */
async function standIn(
  job: Job,
  error: HerogenError,
  context: RunContext,
  options: { recordInLock: boolean; quiet?: boolean; spent?: SpentRecord | undefined },
  emit: (event: RunEvent) => void,
): Promise<JobResult> {
  const spent = options.spent ? { spent: options.spent } : {};
  let entry: LockEntry | undefined;
  try {
    // Under the key's claim and against the lock as it is now: another run may have paid for
    // this image meanwhile, and a stand-in must never replace a real image.
    const kept = await withKeyClaim(context.root, job.key, {}, async () => {
      const lock = await readLock(context.lockPath);
      const current = lock.images[job.key];
      if (current && !current.placeholder) {
        const state = await checkStoredFile(context.root, context.outDir, job.key, current);
        if (state === 'ok') return current;
      }
      const image = await renderPlaceholder(job.request);
      entry = await storeOriginal({
        root: context.root,
        outDir: context.outDir,
        key: job.key,
        request: job.request,
        image,
        lockPath: context.lockPath,
        placeholder: { reason: `${error.code}: ${error.message}` },
        recordInLock: options.recordInLock,
        fields: fieldsOfJob(job, context.config.field),
      });
      return undefined;
    });
    if (kept) {
      emit({ type: 'skipped', job, reason: 'stored by another run' });
      return { key: job.key, status: 'cached', job, entry: kept };
    }
  } catch (storeError) {
    context.logger.warn(
      `could not store a placeholder for ${job.file}: ${asHerogenError(storeError).message}`,
    );
  }
  if (options.quiet) {
    emit({ type: 'skipped', job, reason: error.message });
    return { key: job.key, status: 'placeholder', job, ...(entry ? { entry } : {}), error };
  }
  emit({ type: 'failed', job, error, placeholder: entry, ...spent });
  return { key: job.key, status: 'failed', job, ...(entry ? { entry } : {}), error, ...spent };
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

/** Attach the content files that use this image, so every failure names them. */
function located(job: Job, error: HerogenError): HerogenError {
  if (error.location) return error;
  const first = job.sources[0];
  const files = job.sources.map((source) => printablePath(source.file)).join(', ');
  return new HerogenError(error.code, `${error.message} (used by ${files})`, {
    ...errorOptions(error),
    cause: error.cause ?? error,
    ...(first ? { location: { file: first.file, line: first.line, field: first.field } } : {}),
  });
}

function asHerogenError(error: unknown): HerogenError {
  if (HerogenError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HerogenError('INTERNAL', message, { cause: error });
}

async function readInsideRoot(root: string, file: string): Promise<Uint8Array> {
  const absolute = path.resolve(root, file);
  if (!isInside(path.resolve(root), absolute)) {
    throw new HerogenError('PATH_OUTSIDE_ROOT', `reference ${file} is outside the project root`);
  }
  return readFile(absolute);
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
