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

/** hiapi's reference client polls every 3 s: never wait longer once a task is due. */
export const DOCUMENTED_POLL_INTERVAL_MS = 3000;
/**
 * Once a task is due, wait this share of its age between polls (at least `firstMs / 16`): a
 * fortieth keeps the time lost after a due task ends to ~1-3 % of it (a 2 s task is seen within
 * ~60 ms, a 60 s one within 1.5 s) while staying under hiapi's documented 3 s.
 */
export const DUE_AGE_SHARE = 0.025;
/** Shortest wait between polls of a due task, as a share of the first poll's delay. */
const DUE_FLOOR_SHARE = 1 / 16;
/** Durations remembered per kind of task (model, resolution, aspect). */
const REMEMBERED = 16;

/**
 * Milliseconds to wait before the next poll of a task of `ageMs`, when tasks like it have been
 * seen to take about `expectedMs`: nothing is asked before then, and after it polls come close
 * together (a fortieth of the age, at most hiapi's documented 3 s), since the task is due. The
 * first task of a kind, with nothing to expect, follows `nextPollDelay`.
 */
export function nextAlignedPollDelay(input: {
  ageMs: number;
  firstMs: number;
  first: boolean;
  expectedMs: number | undefined;
}): number {
  const { ageMs, firstMs, expectedMs } = input;
  if (expectedMs === undefined) return nextPollDelay(input);
  if (ageMs < expectedMs) return expectedMs - ageMs;
  return Math.min(
    DOCUMENTED_POLL_INTERVAL_MS,
    Math.max(firstMs * DUE_FLOOR_SHARE, ageMs * DUE_AGE_SHARE),
  );
}

/**
 * How long finished tasks took, per kind, as their polls bracket it: a task last seen pending at
 * age `pendingMs` and done at `doneMs` took between the two (the midpoint is kept). A task done
 * at its first poll took at most `doneMs`; a step less is kept, so the expectation can move down
 * as well as up. The expectation is the median of the last 16.
 */
export class TaskDurations {
  private readonly byKind = new Map<string, number[]>();

  expectedMs(kind: string): number | undefined {
    const seen = this.byKind.get(kind);
    if (!seen || seen.length === 0) return undefined;
    const sorted = [...seen].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  }

  record(kind: string, pendingMs: number | undefined, doneMs: number, firstMs: number): void {
    const step = Math.max(firstMs * DUE_FLOOR_SHARE, doneMs * DUE_AGE_SHARE);
    const estimate =
      pendingMs === undefined ? Math.max(0, doneMs - step) : (pendingMs + doneMs) / 2;
    const seen = this.byKind.get(kind) ?? [];
    seen.push(estimate);
    if (seen.length > REMEMBERED) seen.shift();
    this.byKind.set(kind, seen);
  }
}
