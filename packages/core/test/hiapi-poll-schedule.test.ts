import { describe, expect, it } from 'vitest';
import { MAX_POLL_INTERVAL_MS, nextPollDelay } from '../src/providers/hiapi/poll-schedule.js';

/** Poll a task that finishes `durationMs` after creation; when is it seen done, how often asked. */
function simulate(durationMs: number, firstMs = 1000) {
  let now = 0;
  let polls = 0;
  for (;;) {
    now += nextPollDelay({ ageMs: now, firstMs, first: polls === 0 });
    polls += 1;
    if (now >= durationMs) return { seenAt: now, polls };
  }
}

describe('hiapi poll schedule', () => {
  it('waits the first interval, then a share of the task age between floor and cap', () => {
    expect(nextPollDelay({ ageMs: 0, firstMs: 1000, first: true })).toBe(1000);
    // Time spent recording the task id counts: the first poll is still 1 s after creation.
    expect(nextPollDelay({ ageMs: 300, firstMs: 1000, first: true })).toBe(700);
    expect(nextPollDelay({ ageMs: 1500, firstMs: 1000, first: true })).toBe(0);
    expect(nextPollDelay({ ageMs: 1000, firstMs: 1000, first: false })).toBe(250);
    expect(nextPollDelay({ ageMs: 10_000, firstMs: 1000, first: false })).toBe(2000);
    expect(nextPollDelay({ ageMs: 120_000, firstMs: 1000, first: false })).toBe(
      MAX_POLL_INTERVAL_MS,
    );
  });

  it('notices a finished task within a quarter of its duration, short or long', () => {
    for (const durationMs of [1100, 2000, 3700, 9000, 30_000, 61_000, 180_000]) {
      const { seenAt } = simulate(durationMs);
      expect(seenAt - durationMs).toBeLessThanOrEqual(durationMs * 0.25);
    }
  });

  it('does not poll a long task much more often than a fixed 3 s interval would', () => {
    // The reference client polls every 3 s: 20 polls for a minute-long task.
    expect(simulate(60_000).polls).toBeLessThanOrEqual(30);
    expect(simulate(180_000).polls).toBeLessThanOrEqual(60);
  });
});
