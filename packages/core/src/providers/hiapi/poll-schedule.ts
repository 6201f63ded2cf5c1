/**
 * When to poll a hiapi task next. The wait grows with the task's age (a fixed share of the time
 * already spent), so the time lost between a task finishing and herogen noticing stays a small
 * share of the task's duration, whether it takes 2 s or 2 min: a fixed interval is either
 * wasteful for long tasks or slow for short ones.
 */

/** Share of the task's age waited before the next poll: at most ~20 % lost to polling. */
export const POLL_AGE_SHARE = 0.2;
/** Never wait longer than this between polls. */
export const MAX_POLL_INTERVAL_MS = 5000;

/**
 * Milliseconds to wait before polling a task created `ageMs` ago: the first poll comes `firstMs`
 * after creation (whatever recording the task id took), then each wait is a share of its age,
 * at least `firstMs / 4` and at most 5 s.
 */
export function nextPollDelay(input: { ageMs: number; firstMs: number; first: boolean }): number {
  const { ageMs, firstMs, first } = input;
  if (first) return Math.max(0, firstMs - ageMs);
  return Math.min(MAX_POLL_INTERVAL_MS, Math.max(firstMs / 4, ageMs * POLL_AGE_SHARE));
}
