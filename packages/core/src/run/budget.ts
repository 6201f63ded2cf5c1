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
    reasons.push(`${jobs.length} images to generate, budget allows ${budget.maxImages}`);
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
 * During a run: a job may start only if what was spent, what is in flight (by estimate) and
 * its own estimate stay within the cap — so the cap holds even when estimates were low.
 */
export function createBudgetTracker(budget: Budget | undefined) {
  let spentUsd = 0;
  let reservedUsd = 0;
  let started = 0;
  return {
    tryReserve(job: Job): boolean {
      const estimate = job.estimate.usd ?? 0;
      if (budget?.maxImages !== undefined && started + 1 > budget.maxImages) return false;
      if (
        budget?.maxUsd !== undefined &&
        spentUsd + reservedUsd + estimate > budget.maxUsd + 1e-9
      ) {
        return false;
      }
      started += 1;
      reservedUsd += estimate;
      return true;
    },
    /** The job finished (or failed): swap its estimate for what it really cost. */
    settle(job: Job, actualUsd: number | null | undefined): void {
      reservedUsd -= job.estimate.usd ?? 0;
      spentUsd += actualUsd ?? job.estimate.usd ?? 0;
    },
    get spentUsd() {
      return spentUsd;
    },
  };
}
