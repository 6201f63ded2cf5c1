/**
 * Carrying out one review action from the browser: each is one of the functions the CLI uses
 * (actions.ts, edit-alt.ts, `session.generate`), and its outcome says what changed.
 */
import { HerogenError } from '../errors.js';
import type { Job, Logger, RunSummary } from '../types.js';
import {
  generateVariants,
  MAX_CANDIDATES,
  pickVariant,
  type ReviewSession,
  regenerateHeroes,
  restoreEarlierTake,
  sourcesText,
} from './actions.js';
import { editAlt } from './edit-alt.js';
import type { ReviewAction, ReviewOutcome } from './review-api.js';

/** Run one action on the hero `heroOf` finds (the caller holds its claim). */
export async function perform(
  session: ReviewSession,
  heroOf: (key: string) => Promise<Job>,
  action: ReviewAction,
  logger: Logger | undefined,
): Promise<ReviewOutcome> {
  switch (action.action) {
    case 'regenerate': {
      const job = await heroOf(action.key);
      const { summary, results } = await regenerateHeroes(session, [job]);
      const done = results.find((item) => item.result.key === job.key);
      const result = done?.result;
      if (result?.status === 'generated') {
        return outcomeOf({ action, job, summary }, true, [
          `new take stored${done?.previous ? `; the previous one is kept at ${done.previous.file}` : ''}`,
        ]);
      }
      return outcomeOf({ action, job, summary }, false, [
        `no new take; the current image is unchanged${result?.error ? ` (${result.error.message})` : ''}`,
      ]);
    }
    case 'variants': {
      const job = await heroOf(action.key);
      const count = Number(action.count);
      const { summary } = await generateVariants(session, job, count, logger ? { logger } : {});
      const failed = summary.results.find((result) => result.error);
      const outcome = outcomeOf({ action, job, summary }, summary.failed === 0, [
        `${count} candidate${count === 1 ? '' : 's'} ready (${summary.generated} new)`,
        failed?.error ? `failed: ${failed.error.message}` : '',
      ]);
      // Candidates do not change the image the hero's pages show until one is picked.
      return { ...outcome, files: [] };
    }
    case 'pick': {
      const job = await heroOf(action.key);
      const picked = await pickVariant(session, job, Number(action.n), logger ? { logger } : {});
      return {
        action: action.action,
        key: job.key,
        ok: true,
        message: `candidate ${action.n} is the image of ${sourcesText(job)} now${picked.archived ? `; the previous one is kept at ${picked.archived.file}` : ''}`,
        costUsd: 0,
        files: filesOf(job),
      };
    }
    case 'restore': {
      const job = await heroOf(action.key);
      const restored = await restoreEarlierTake(
        session,
        job,
        String(action.file),
        logger ? { logger } : {},
      );
      return {
        action: action.action,
        key: job.key,
        ok: true,
        message: `restored ${action.file}${restored.archived ? `; the replaced one is kept at ${restored.archived.file}` : ''}`,
        costUsd: 0,
        files: filesOf(job),
      };
    }
    case 'alt': {
      const job = await heroOf(action.key);
      const source = sourceForAlt(job, action.file);
      // Each post using the image keeps its own alt text: only the named post is edited.
      const result = await editAlt({
        root: session.root,
        file: source.file,
        field: source.field,
        alt: action.alt,
      });
      return {
        action: action.action,
        key: job.key,
        ok: true,
        message: result.changed
          ? `alt text of ${sourcesText({ ...job, sources: [source] })} saved`
          : 'the alt text is already this',
        costUsd: 0,
        files: result.changed ? [source.file] : [],
      };
    }
    case 'generate-missing': {
      const summary = await session.generate();
      const files = summary.results
        .filter((result) => result.status === 'generated' || result.status === 'placeholder')
        .flatMap((result) => filesOf(result.job));
      return {
        action: action.action,
        ok: summary.failed === 0,
        message: `${summary.generated} generated, ${summary.failed} failed, ${summary.placeholders} placeholder${summary.placeholders === 1 ? '' : 's'}`,
        costUsd: summary.costUsd,
        files: [...new Set(files)],
      };
    }
    default:
      throw unknownAction(action);
  }
}

function outcomeOf(
  done: { action: ReviewAction; job: Job; summary: RunSummary },
  ok: boolean,
  lines: string[],
): ReviewOutcome {
  const { action, job, summary } = done;
  return {
    action: action.action,
    key: job.key,
    ok,
    message: lines.filter(Boolean).join('; '),
    costUsd: summary.costUsd,
    files: summary.generated > 0 ? filesOf(job) : [],
  };
}

/** The post whose alt text an edit writes: the one named, or the hero's first. */
function sourceForAlt(job: Job, file: unknown): Job['sources'][number] {
  if (job.sources.length === 0) {
    throw new HerogenError('CONTENT_INVALID', 'this hero has no content file');
  }
  if (file === undefined) return job.sources[0]!;
  const source = job.sources.find((candidate) => candidate.file === file);
  if (source) return source;
  throw new HerogenError(
    'REQUEST_INVALID',
    `${JSON.stringify(file)} is not a post of this hero; it is used by ${filesOf(job).join(', ')}`,
    { hint: 'reload the review page: the posts may have changed' },
  );
}

function filesOf(job: Job): string[] {
  return job.sources.map((source) => source.file);
}

export function unknownAction(action: unknown): HerogenError {
  const name = (action as { action?: unknown } | null)?.action;
  return new HerogenError(
    'REQUEST_INVALID',
    `unknown review action ${JSON.stringify(name)}; expected regenerate, variants, pick, restore, generate-missing or alt`,
    { hint: `variants takes a count from 1 to ${MAX_CANDIDATES}` },
  );
}
