import { describe, expect, it } from 'vitest';
import {
  DOCUMENTED_POLL_INTERVAL_MS,
  MAX_POLL_INTERVAL_MS,
  nextAlignedPollDelay,
  nextPollDelay,
  TaskDurations,
} from '../src/providers/hiapi/poll-schedule.js';

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

describe('hiapi polls aligned to what earlier tasks took', () => {
  it('asks nothing before a task is due, then polls close together up to the documented 3 s', () => {
    const at = (ageMs: number, expectedMs: number | undefined, first = false) =>
      nextAlignedPollDelay({ ageMs, firstMs: 1000, first, expectedMs });
    expect(at(0, undefined, true)).toBe(1000); // nothing known: the age-share schedule
    expect(at(0, 2000, true)).toBe(2000);
    expect(at(1500, 2000)).toBe(500);
    expect(at(2000, 2000)).toBe(62.5);
    expect(at(30_000, 20_000)).toBe(750);
    expect(at(120_000, 60_000)).toBe(DOCUMENTED_POLL_INTERVAL_MS);
  });

  it('learns a fixed duration within a few tasks and then sees each done within 4 %', () => {
    const durations = new TaskDurations();
    const lateness: number[] = [];
    for (let task = 0; task < 12; task += 1) {
      const durationMs = 2000;
      let now = 0;
      let pendingMs: number | undefined;
      for (let polls = 0; ; polls += 1) {
        now += nextAlignedPollDelay({
          ageMs: now,
          firstMs: 1000,
          first: polls === 0,
          expectedMs: durations.expectedMs('k'),
        });
        if (now >= durationMs) break;
        pendingMs = now;
      }
      durations.record('k', pendingMs, now, 1000);
      lateness.push((now - durationMs) / durationMs);
    }
    expect(Math.max(...lateness.slice(3))).toBeLessThanOrEqual(0.04);
    // Kinds do not mix.
    expect(durations.expectedMs('other')).toBeUndefined();
  });
});
