import { HerogenError } from '../errors.js';
import { isLfsPointerOriginal, LFS_PULL_HINT } from '../store/lfs-pointer.js';
import { agree, plural } from '../text/plural.js';
import type { HeroProvider, Job, RunEvent, RunOptions } from '../types.js';
import { checkBudget } from './budget.js';
import { formatUsd } from './format-summary.js';
import { withSourceLocation } from './job-error.js';
import type { RunContext } from './run-state.js';

/** What the run does with one job, decided before any call is made. */
export type Decision =
  | { kind: 'cached' }
  | { kind: 'generate'; provider: HeroProvider }
  | { kind: 'placeholder'; reason: string; error: HerogenError }
  /** A paid original recorded in the lock is gone or damaged: never pay again silently. */
  | { kind: 'lost'; error: HerogenError };

/** The gate's verdict on a whole plan. */
export interface Gate {
  decisions: ReadonlyMap<Job, Decision>;
  /** Jobs that will call a paid provider. */
  toPay: readonly Job[];
}

/**
 * Decide every job, report the plan, and refuse to start when the budget does not allow it
 * (`onBudget: 'fail'`) before anything is generated or paid for.
 */
export function gatePlan(
  jobs: readonly Job[],
  context: RunContext,
  options: RunOptions,
  emit: (event: RunEvent) => void,
): Gate {
  const { config } = context;
  const frozen = config.frozen || options.frozen === true;
  const newTakes = new Set(options.newTakes ?? []);
  const decisions = new Map<Job, Decision>();
  for (const job of jobs) decisions.set(job, decide(job, context, frozen, newTakes.has(job.key)));

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
  return { decisions, toPay };
}

function decide(job: Job, context: RunContext, frozen: boolean, newTake: boolean): Decision {
  if (job.status === 'cached' && !newTake) return { kind: 'cached' };
  const placeholderDecision = (
    reason: string,
    code: HerogenError['code'],
    message: string,
    hint?: string,
  ): Decision => ({
    kind: 'placeholder',
    reason,
    error: withSourceLocation(job, new HerogenError(code, message, hint ? { hint } : {})),
  });
  const provider = context.registry.get(job.request.provider);
  if (!provider) {
    return placeholderDecision(
      'unknown provider',
      'REQUEST_INVALID',
      `unknown provider "${job.request.provider}"`,
    );
  }
  if (
    !newTake &&
    job.entry &&
    !job.entry.placeholder &&
    (job.status === 'missing' || job.status === 'corrupt')
  ) {
    if (
      job.status === 'corrupt' &&
      isLfsPointerOriginal(context.layout.root, context.layout.outDir, job.entry.file, job.key)
    ) {
      return {
        kind: 'lost',
        error: withSourceLocation(
          job,
          new HerogenError(
            'ORIGINAL_NOT_PULLED',
            `the paid original ${job.entry.file} is a Git LFS pointer, not the image (run \`git lfs pull\`); not paying for it again`,
            { hint: LFS_PULL_HINT },
          ),
        ),
      };
    }
    const what =
      job.status === 'missing' ? 'is missing' : 'does not match the lock (damaged or replaced)';
    return {
      kind: 'lost',
      error: withSourceLocation(
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
  const batchId = context.batches?.get(job.key);
  if (batchId && provider.paid && context.config.waitForBatch && !newTake) {
    return placeholderDecision(
      'pending in batch',
      'BATCH_PENDING',
      `pending in batch ${batchId}: a placeholder stands in until \`herogen batch collect\` stores it (not paid for twice)`,
      'run `herogen batch collect` once the batch is done, or build with --no-wait-batch (waitForBatch: false) to pay for it now at the sync price',
    );
  }
  if (provider.paid && frozen) {
    return placeholderDecision(
      'frozen',
      'FROZEN',
      'frozen mode: no paid API call is made, an offline placeholder stands in',
      'run without --frozen / HEROGEN_FROZEN to generate it',
    );
  }
  if (provider.paid && !provider.isConfigured()) {
    const variable = provider.credentialHint;
    if (newTake) {
      // Kept after a switch of API key (provider: auto): the new take is asked of its maker.
      return placeholderDecision(
        'no credentials',
        'PROVIDER_AUTH',
        `no API key for ${provider.id}, which made this image: no new take was made`,
        `set ${variable ?? `the key of ${provider.id}`} for a new take by ${provider.id}, or name the provider that should make one on the hero (\`provider:\`)`,
      );
    }
    return placeholderDecision(
      'no credentials',
      'PROVIDER_AUTH',
      `no API key for ${provider.id}: an offline placeholder stands in`,
      variable ? `set ${variable}` : 'configure the provider',
    );
  }
  if (!provider.paid && (context.config.strict || newTake) && isKeylessFallback(job, context)) {
    // `provider: auto` fell back to offline art because no key is set: not an AI image.
    return placeholderDecision(
      'no credentials',
      'PROVIDER_AUTH',
      `no API key set, so only an offline placeholder could be made${newTake ? '; the current image is kept' : ' (strict mode)'}`,
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
  const count = {
    frozen: 0,
    keys: new Map<string, number>(),
    fallback: 0,
    batched: new Set<string>(),
  };
  let pending = 0;
  for (const job of jobs) {
    const decision = decisions.get(job);
    if (decision?.kind === 'placeholder' && decision.reason === 'pending in batch') {
      pending += 1;
      count.batched.add(context.batches?.get(job.key) ?? '');
    } else if (decision?.kind === 'placeholder' && decision.reason === 'frozen') count.frozen += 1;
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
  if (pending > 0) {
    logger.warn(
      `${plural(pending, 'image')} pending in batch ${[...count.batched].join(', ')}: ${outcome(pending)} until \`herogen batch collect\` stores ${pending === 1 ? 'it' : 'them'} (--no-wait-batch pays for ${pending === 1 ? 'it' : 'them'} now at the sync price)`,
    );
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
