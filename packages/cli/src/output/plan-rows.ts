import type { Job } from '@herogen/core';

/**
 * Past this many cached images, `herogen plan` counts them instead of listing them: on a big
 * site the rows that need action would drown in thousands of "cached" rows.
 */
export const MAX_CACHED_ROWS = 20;

export interface PlanRows {
  /** Jobs to print a row for, in plan order. */
  listed: Job[];
  /** Cached jobs left out of the table (counted in a line instead). */
  hiddenCached: number;
}

/**
 * Which jobs `herogen plan` lists: every one that needs action (missing, placeholder, corrupt)
 * always; the cached ones too when `all` is set or when there are at most `MAX_CACHED_ROWS`.
 */
export function selectPlanRows(jobs: readonly Job[], all: boolean): PlanRows {
  const cached = jobs.reduce((count, job) => count + (job.status === 'cached' ? 1 : 0), 0);
  if (all || cached <= MAX_CACHED_ROWS) return { listed: [...jobs], hiddenCached: 0 };
  return { listed: jobs.filter((job) => job.status !== 'cached'), hiddenCached: cached };
}
