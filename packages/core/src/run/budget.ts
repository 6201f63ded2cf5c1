import { plural } from '../text/plural.js';
import type { Job } from '../types.js';

export interface Budget {
  maxUsd?: number | undefined;
  maxImages?: number | undefined;
}

export interface BudgetCheck {
  ok: boolean;
  images: number;
  /** null when some estimate is unknown. */
  estimateUsd: number | null;
  reasons: string[];
}

/** Before any call: would paying for `jobs` stay within the budget? Pure. */
export function checkBudget(jobs: readonly Job[], budget: Budget | undefined): BudgetCheck {
  const estimateUsd = sumEstimates(jobs);
  const reasons: string[] = [];
  if (budget?.maxImages !== undefined && jobs.length > budget.maxImages) {
    reasons.push(
      `${plural(jobs.length, 'image')} to generate, budget allows ${budget.maxImages} (over by ${jobs.length - budget.maxImages})`,
    );
  }
  if (budget?.maxUsd !== undefined) {
    if (estimateUsd === null) {
      reasons.push(
        `the cost of some images is unknown, so a budget of $${budget.maxUsd.toFixed(2)} cannot be guaranteed`,
      );
    } else if (estimateUsd > budget.maxUsd) {
      reasons.push(
        `estimated $${estimateUsd.toFixed(2)}, budget $${budget.maxUsd.toFixed(2)} (over by $${(estimateUsd - budget.maxUsd).toFixed(2)})`,
      );
    }
  }
  return { ok: reasons.length === 0, images: jobs.length, estimateUsd, reasons };
}

export function sumEstimates(jobs: readonly Job[]): number | null {
  let total = 0;
  for (const job of jobs) {
    if (job.estimate.usd === null) return null;
    total += job.estimate.usd;
  }
  return total;
}

/**
 * During a run: a job may start only if what was spent, what is in flight and its own estimate
 * stay within the cap — so the cap holds even when estimates were low. Once real costs arrive,
 * estimates are scaled by how far off they were (never down), so a run whose estimates were too
 * low stops at the cap instead of one image per underestimate later.
 */
export function createBudgetTracker(budget: Budget | undefined) {
  let spentUsd = 0;
  let started = 0;
  // Sums over settled jobs that had both an estimate and a real cost.
  let estimatedSettled = 0;
  let actualSettled = 0;
  let settledImages = 0;
  const reserved = new Map<Job, number>();
  const inFlight = () => [...reserved.values()].reduce((sum, usd) => sum + usd, 0);
  const correction = () =>
    estimatedSettled > 0 ? Math.max(1, actualSettled / estimatedSettled) : 1;
  /** What starting this job may cost: its estimate, scaled; an unknown one, the average so far. */
  const expected = (job: Job) =>
    job.estimate.usd === null
      ? settledImages > 0
        ? spentUsd / settledImages
        : 0
      : job.estimate.usd * correction();
  return {
    tryReserve(job: Job): boolean {
      const estimate = expected(job);
      if (budget?.maxImages !== undefined && started + 1 > budget.maxImages) return false;
      if (budget?.maxUsd !== undefined && spentUsd + inFlight() + estimate > budget.maxUsd + 1e-9) {
        return false;
      }
      started += 1;
      reserved.set(job, estimate);
      return true;
    },
    /** The job finished (or failed): swap its reservation for what it really cost. */
    settle(job: Job, actualUsd: number | null | undefined): void {
      reserved.delete(job);
      const actual = actualUsd ?? job.estimate.usd ?? 0;
      spentUsd += actual;
      settledImages += 1;
      if (job.estimate.usd !== null && actualUsd !== null && actualUsd !== undefined) {
        estimatedSettled += job.estimate.usd;
        actualSettled += actualUsd;
      }
    },
    /** The job failed: drop its reservation; nothing is counted as spent. */
    release(job: Job): void {
      reserved.delete(job);
    },
    get spentUsd() {
      return spentUsd;
    },
  };
}
