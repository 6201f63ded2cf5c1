import { resolve } from 'node:path';
import type { Job, PlanResult, RunSummary } from '@herogen/core';

/** One content file's hero, as the plugin needs it: which original, described how. */
export interface HeroEntry {
  /** Root-relative POSIX path of the content file. */
  file: string;
  key: string;
  /** Absolute path of the original. */
  original: string;
  /** True when the original is on disk (a real image or a stored placeholder). */
  stored: boolean;
  alt: string;
  status: 'generated' | 'placeholder';
  /** Provider the request goes to (background dev generation skips the free `local` one). */
  provider: string;
  /** True when the image still needs generating (missing, corrupt or a placeholder). */
  pending: boolean;
}

/**
 * Pure: every hero of a plan, keyed by content file. A file with heroes in several configured
 * fields gives the one of the field listed first (`fields`, in config order).
 */
export function collectEntries(
  plan: Pick<PlanResult, 'jobs'>,
  root: string,
  fields: readonly string[] = [],
): Map<string, HeroEntry> {
  const entries = new Map<string, HeroEntry>();
  const rank = (field: string) => {
    const index = fields.indexOf(field);
    return index === -1 ? fields.length : index;
  };
  const chosen = new Map<string, number>();
  for (const job of plan.jobs) {
    const stored = job.status === 'cached' || job.status === 'placeholder';
    const isPlaceholder = job.status !== 'cached' || job.entry?.placeholder === true;
    for (const source of job.sources) {
      const previous = chosen.get(source.file);
      if (previous !== undefined && previous <= rank(source.field)) continue;
      chosen.set(source.file, rank(source.field));
      const alt = source.spec.decorative
        ? ''
        : (source.spec.alt ?? source.spec.prompt ?? job.request.prompt);
      entries.set(source.file, {
        file: source.file,
        key: job.key,
        original: resolve(root, job.entry?.file ?? job.file),
        stored,
        alt,
        status: isPlaceholder ? 'placeholder' : 'generated',
        provider: job.request.provider,
        pending: job.status !== 'cached' || job.entry?.placeholder === true,
      });
    }
  }
  return entries;
}

/**
 * Pure: the jobs a fresh plan would find after `summary`'s run, from the run's own results, so a
 * build plans once. Undefined when a result leaves the lock in a state only a new plan can tell
 * (a failure, an interrupted run, a stand-in that could not be stored): then plan again.
 */
export function jobsAfterRun(summary: RunSummary): Job[] | undefined {
  if (summary.interrupted) return undefined;
  const jobs: Job[] = [];
  for (const { status, job, entry } of summary.results) {
    if (!entry) return undefined;
    // Stored and valid: what the lock records now (this run's image, or another run's).
    if (status === 'cached' || status === 'generated')
      jobs.push({ ...job, status: 'cached', entry });
    // A stand-in recorded in the lock (now or before).
    else if (status === 'placeholder' && entry.placeholder === true)
      jobs.push({ ...job, status: 'placeholder', entry });
    else return undefined;
  }
  return jobs;
}
