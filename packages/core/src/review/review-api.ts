/**
 * The review API the dev servers expose to the browser (the Astro toolbar app, the Vite review
 * page): list heroes with their takes, estimate an action, run it. Every action is one of the
 * functions the CLI uses (actions.ts, edit-alt.ts, `session.generate`), so spend rules are the
 * same: budget, frozen mode and strict apply; listing and estimating never call a provider; one
 * action per hero runs at a time (a double click or a second tab is told it is running).
 */
import { HerogenError } from '../errors.js';
import { readLock } from '../lock/read-lock.js';
import { sumEstimates } from '../run/budget.js';
import type { CostEstimate, Job, Logger } from '../types.js';
import { candidateJobs, type ReviewSession } from './actions.js';
import { perform, unknownAction } from './perform-action.js';
import { collectReport } from './report.js';
import type { ReportImage, ReportTotals } from './report-types.js';

/** One action from the browser; `key` names the hero (its image key). */
export type ReviewAction =
  | { action: 'regenerate'; key: string }
  | { action: 'variants'; key: string; count: number }
  | { action: 'pick'; key: string; n: number }
  | { action: 'restore'; key: string; file: string }
  | { action: 'generate-missing' }
  /** `file`: which post's alt text, when several posts use the image (default: the first). */
  | { action: 'alt'; key: string; alt: string; file?: string };

export interface ReviewEstimate {
  /** Paid calls the action would make (0: it is free). */
  calls: number;
  /** Their estimated cost; null when unknown. */
  usd: number | null;
  confidence: CostEstimate['confidence'];
  /** Why the action would make no paid call although it should (frozen mode, no key, budget). */
  refused?: string;
}

export interface ReviewHero extends ReportImage {
  /** Frontmatter field of the hero in its first source (what an alt edit writes). */
  field: string;
  /** An action on this hero is running now. */
  busy: boolean;
}

export interface ReviewListing {
  heroes: ReviewHero[];
  /** Site-wide counts (every hero of the site, not only the ones listed). */
  totals: ReportTotals;
  /** Everything recorded as spent: current images, earlier takes and candidates, refused answers. */
  spentUsd: number;
  frozen: boolean;
  budget: { maxUsd?: number; maxImages?: number } | null;
  /** Heroes with an action running (`'*'`: generate missing). */
  busy: string[];
}

export interface ReviewOutcome {
  action: ReviewAction['action'];
  key?: string;
  /** False when nothing was changed (a failure or refusal; `message` says why). */
  ok: boolean;
  message: string;
  /** What the action cost. */
  costUsd: number;
  /** Content files whose hero image or frontmatter changed (for a reload). */
  files: string[];
}

export interface ReviewApi {
  /** Heroes (all, or those with these keys or content files) and site counts. Never spends. */
  list(filter?: { keys?: readonly string[]; files?: readonly string[] }): Promise<ReviewListing>;
  /** What an action would cost. Never spends. */
  estimate(action: ReviewAction): Promise<ReviewEstimate>;
  /** Run one confirmed action. Throws `BUSY` when the hero already has one running. */
  run(action: ReviewAction): Promise<ReviewOutcome>;
}

export interface ReviewApiOptions {
  logger?: Logger;
  /** Called after an action changed images or frontmatter (refresh content, reload pages). */
  onChange?: (files: string[]) => void | Promise<void>;
  /** Thumbnail widths in the listing (default 360 for a hero, 240 for a take). */
  thumbnails?: { hero: number; take: number };
}

const ALL = '*';
const KEY = /^[0-9a-f]{6,128}$/;

/** The browser review over one project session. */
export function createReviewApi(session: ReviewSession, options: ReviewApiOptions = {}): ReviewApi {
  const running = new Set<string>();
  const thumbnails = options.thumbnails ?? { hero: 360, take: 240 };

  const heroOf = async (key: string): Promise<Job> => {
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new HerogenError('REQUEST_INVALID', 'name the hero by its image key');
    }
    const job = (await session.plan()).jobs.find((candidate) => candidate.key === key);
    if (!job) {
      throw new HerogenError('CONTENT_INVALID', `no hero of the site uses the image ${key}`, {
        hint: 'reload the page: the content may have changed',
      });
    }
    return job;
  };

  /** Claim the hero (or the whole site) for one action, or refuse: never two at once. */
  const claim = (key: string): (() => void) => {
    const taken = key === ALL ? running.size > 0 : running.has(key) || running.has(ALL);
    if (taken) {
      throw new HerogenError(
        'BUSY',
        key === ALL
          ? 'another review action is already running; generate missing waits for it'
          : 'an action on this hero is already running; wait for it to finish',
      );
    }
    running.add(key);
    return () => running.delete(key);
  };

  const changed = async (files: string[]) => {
    if (files.length === 0) return;
    await Promise.resolve(options.onChange?.(files)).catch((error: unknown) => {
      options.logger?.warn(
        `could not refresh the page after a review action: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  };

  const refusal = (job: Job | undefined): string | undefined => {
    const provider = job ? session.registry.get(job.request.provider) : undefined;
    if (provider?.paid && session.config.frozen) {
      return 'frozen mode: no paid call is made (unset HEROGEN_FROZEN / frozen)';
    }
    if (provider?.paid && !provider.isConfigured()) return `no API key for ${provider.id}`;
    if (provider && !provider.paid) return `${provider.id} makes offline art, not a paid image`;
    return undefined;
  };

  return {
    list: (filter = {}) => listHeroes(session, filter, { thumbnails, running }),

    async estimate(action) {
      switch (action.action) {
        case 'regenerate': {
          const job = await heroOf(action.key);
          const estimate = session.registry.get(job.request.provider)?.estimate(job.request);
          return withRefusal(
            { calls: 1, usd: estimate?.usd ?? null, confidence: estimate?.confidence ?? 'unknown' },
            refusal(job),
          );
        }
        case 'variants': {
          const job = await heroOf(action.key);
          const jobs = (await candidateJobs(session, job, action.count)).filter(
            (candidate) => candidate.status !== 'cached',
          );
          return withRefusal(costOf(jobs), jobs.length > 0 ? refusal(job) : undefined);
        }
        case 'generate-missing': {
          const plan = await session.plan();
          const jobs = plan.jobs.filter((job) => job.status !== 'cached');
          const paid = jobs.filter((job) => session.registry.get(job.request.provider)?.paid);
          return withRefusal(costOf(paid), paid.length > 0 ? refusal(paid[0]) : undefined);
        }
        case 'pick':
        case 'restore':
        case 'alt':
          await heroOf(action.key);
          return { calls: 0, usd: 0, confidence: 'exact' };
        default:
          throw unknownAction(action);
      }
    },

    async run(action) {
      const key = action.action === 'generate-missing' ? ALL : (action as { key: unknown }).key;
      if (key !== ALL && (typeof key !== 'string' || !KEY.test(key))) {
        throw new HerogenError('REQUEST_INVALID', 'name the hero by its image key');
      }
      // Claimed before the first await: a second request for this hero is refused at once.
      const release = claim(key as string);
      try {
        const outcome = await perform(session, heroOf, action, options.logger);
        await changed(outcome.files);
        return outcome;
      } finally {
        release();
      }
    },
  };
}

/** The listing of `ReviewApi.list`: the heroes asked for, with the site's totals. */
async function listHeroes(
  session: ReviewSession,
  filter: { keys?: readonly string[]; files?: readonly string[] },
  view: { thumbnails: { hero: number; take: number }; running: ReadonlySet<string> },
): Promise<ReviewListing> {
  const { thumbnails, running } = view;
  const plan = await session.plan();
  const lock = await readLock(session.lockPath);
  const outDir = session.layout.outDirRelative;
  const site = await collectReport({
    root: session.root,
    outDir,
    plan,
    lock,
    thumbnails: false,
  });
  const wanted = (job: Job) =>
    (filter.keys?.includes(job.key) ?? false) ||
    job.sources.some((source) => filter.files?.includes(source.file) ?? false);
  const shown = filter.keys || filter.files ? { ...plan, jobs: plan.jobs.filter(wanted) } : plan;
  const listed = await collectReport({
    root: session.root,
    outDir,
    plan: shown,
    lock,
    thumbnails,
  });
  const t = site.totals;
  const budget = session.config.budget;
  return {
    heroes: listed.images.map((image) => {
      const job = shown.jobs.find((candidate) => candidate.key === image.key);
      return {
        ...image,
        field: job?.sources[0]?.field ?? 'hero',
        busy: running.has(image.key) || running.has(ALL),
      };
    }),
    totals: t,
    spentUsd: t.costUsd + t.takesCostUsd + t.refusedCostUsd,
    frozen: session.config.frozen,
    budget: budget ? { ...budget } : null,
    busy: [...running],
  };
}

function costOf(jobs: readonly Job[]): ReviewEstimate {
  const usd = sumEstimates(jobs);
  const confidences = new Set(jobs.map((job) => job.estimate.confidence));
  return {
    calls: jobs.length,
    usd,
    confidence: confidences.has('unknown')
      ? 'unknown'
      : confidences.has('estimate')
        ? 'estimate'
        : 'exact',
  };
}

function withRefusal(estimate: ReviewEstimate, refused: string | undefined): ReviewEstimate {
  return refused ? { ...estimate, refused } : estimate;
}
