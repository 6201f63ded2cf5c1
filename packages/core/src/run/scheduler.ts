import pLimit from 'p-limit';
import { HerogenError } from '../errors.js';

export interface Scheduler {
  /** Run `task` when a slot is free and no pause is in force; rejects with ABORTED once stopped. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Hold every task not yet started for `ms` (a 429 asked the whole client to wait). */
  pauseAll(ms: number): void;
  /** Tasks running right now. */
  readonly active: number;
  readonly pending: number;
}

/**
 * One queue per run: bounded concurrency, a shared pause, and a stop signal that prevents new
 * tasks from starting while letting running ones finish (so what was paid for gets stored).
 */
export function createScheduler(options: {
  concurrency: number;
  signal?: AbortSignal | undefined;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Scheduler {
  const limit = pLimit(options.concurrency);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let pausedUntil = 0;

  const stopped = () =>
    new HerogenError('ABORTED', 'the run was stopped before this image was started', {
      hint: 'run the command again to generate what is left',
    });

  async function waitForPause(): Promise<void> {
    for (let wait = pausedUntil - now(); wait > 0; wait = pausedUntil - now()) {
      await sleep(wait);
    }
  }

  return {
    run(task) {
      return limit(async () => {
        if (options.signal?.aborted) throw stopped();
        await waitForPause();
        if (options.signal?.aborted) throw stopped();
        return task();
      });
    },
    pauseAll(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
    get active() {
      return limit.activeCount;
    },
    get pending() {
      return limit.pendingCount;
    },
  };
}
