import { describe, expect, it } from 'vitest';
import { createBudgetTracker } from '../src/run/budget.js';
import type { Job } from '../src/types.js';

const job = (usd: number | null): Job =>
  ({ estimate: { usd, confidence: usd === null ? 'unknown' : 'estimate' } }) as Job;

describe('budget tracker during a run', () => {
  it('scales later estimates by how far off the real costs were, so the cap holds', () => {
    const tracker = createBudgetTracker({ maxUsd: 0.15 });
    const first = job(0.001);
    expect(tracker.tryReserve(first)).toBe(true);
    tracker.settle(first, 0.053); // 53× the estimate
    const second = job(0.001);
    expect(tracker.tryReserve(second)).toBe(true); // 0.053 + 0.053 fits
    tracker.settle(second, 0.053);
    // Unscaled, 0.106 + 0.001 would fit and the third image would push spend to 0.159.
    expect(tracker.tryReserve(job(0.001))).toBe(false);
    expect(tracker.spentUsd).toBeCloseTo(0.106);
  });

  it('never scales estimates down when real costs were lower', () => {
    const tracker = createBudgetTracker({ maxUsd: 0.1 });
    const cheap = job(0.05);
    tracker.tryReserve(cheap);
    tracker.settle(cheap, 0.01);
    expect(tracker.tryReserve(job(0.05))).toBe(true); // 0.01 + 0.05
    expect(tracker.tryReserve(job(0.05))).toBe(false); // 0.01 + 0.05 in flight + 0.05
  });

  it('a failure frees its reservation; an unknown estimate counts as the average so far', () => {
    const tracker = createBudgetTracker({ maxUsd: 0.1, maxImages: 5 });
    const failed = job(0.08);
    expect(tracker.tryReserve(failed)).toBe(true);
    expect(tracker.tryReserve(job(0.05))).toBe(false);
    tracker.release(failed);
    expect(tracker.spentUsd).toBe(0);
    const paid = job(0.04);
    expect(tracker.tryReserve(paid)).toBe(true);
    tracker.settle(paid, 0.04);
    expect(tracker.tryReserve(job(null))).toBe(true); // reserves ~0.04
    expect(tracker.tryReserve(job(0.03))).toBe(false); // 0.04 + 0.04 + 0.03 > 0.1
  });

  it('counts started paid images against maxImages', () => {
    const tracker = createBudgetTracker({ maxImages: 2 });
    expect(tracker.tryReserve(job(0.01))).toBe(true);
    expect(tracker.tryReserve(job(0.01))).toBe(true);
    expect(tracker.tryReserve(job(0.01))).toBe(false);
  });
});
