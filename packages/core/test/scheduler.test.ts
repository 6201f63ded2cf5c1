import { describe, expect, it } from 'vitest';
import { checkBudget, createBudgetTracker } from '../src/run/budget.js';
import { createScheduler } from '../src/run/scheduler.js';
import type { Job } from '../src/types.js';

describe('createScheduler', () => {
  it('never runs more tasks at once than the concurrency', async () => {
    const scheduler = createScheduler({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        scheduler.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('stops starting tasks once the signal aborts, letting running ones finish', async () => {
    const stop = new AbortController();
    const scheduler = createScheduler({ concurrency: 2, signal: stop.signal });
    const finished: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        scheduler.run(async () => {
          await new Promise((r) => setTimeout(r, 5));
          if (i === 0) stop.abort(); // task 1 is already running by now
          await new Promise((r) => setTimeout(r, 5));
          finished.push(i);
          return i;
        }),
      ),
    );
    expect(finished.sort()).toEqual([0, 1]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(4);
    const reason = (results[5] as PromiseRejectedResult).reason;
    expect(reason.code).toBe('ABORTED');
  });

  it('holds tasks not yet started while a shared pause is in force', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const scheduler = createScheduler({
      concurrency: 1,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    await scheduler.run(async () => scheduler.pauseAll(1500));
    const startedAt: number[] = [];
    await scheduler.run(async () => startedAt.push(clock));
    expect(sleeps).toEqual([1500]);
    expect(startedAt).toEqual([1500]);
  });
});

describe('budget', () => {
  const job = (usd: number | null): Job =>
    ({ estimate: { usd, confidence: usd === null ? 'unknown' : 'estimate' } }) as Job;

  it('refuses up front with the overage', () => {
    const check = checkBudget([job(0.04), job(0.04), job(0.04)], { maxUsd: 0.1 });
    expect(check.ok).toBe(false);
    expect(check.reasons[0]).toContain('over by $0.02');
    expect(checkBudget([job(0.04)], { maxImages: 0 }).reasons[0]).toContain('budget allows 0');
    expect(checkBudget([job(null)], { maxUsd: 5 }).reasons[0]).toContain('unknown');
    expect(checkBudget([job(null)], undefined).ok).toBe(true);
  });

  it('counts in-flight estimates and real costs so the cap holds', () => {
    const tracker = createBudgetTracker({ maxUsd: 0.1 });
    const a = job(0.04);
    const b = job(0.04);
    expect(tracker.tryReserve(a)).toBe(true);
    expect(tracker.tryReserve(b)).toBe(true);
    expect(tracker.tryReserve(job(0.04))).toBe(false);
    tracker.settle(a, 0.06); // the real cost was higher than estimated
    expect(tracker.tryReserve(job(0.01))).toBe(false);
    tracker.settle(b, 0.01);
    expect(tracker.spentUsd).toBeCloseTo(0.07);
    expect(tracker.tryReserve(job(0.03))).toBe(true);
  });
});
