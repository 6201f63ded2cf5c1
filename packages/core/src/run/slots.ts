import type { LimitFunction } from 'p-limit';
import type { JobResult } from '../types.js';

/** Wait for a place in `limit`; resolves with the function that gives it back (idempotent). */
export function acquireSlot(limit: LimitFunction): Promise<() => void> {
  return new Promise((granted) => {
    void limit(
      () =>
        new Promise<void>((leave) => {
          let left = false;
          granted(() => {
            if (!left) {
              left = true;
              leave();
            }
          });
        }),
    );
  });
}

/** Counts images being stored, so the scheduler can hold back when storing falls behind. */
export function createStoreCounter() {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    start(store: () => Promise<JobResult>): Promise<JobResult> {
      running += 1;
      const result = store();
      result
        .finally(() => {
          running -= 1;
          waiting.shift()?.();
        })
        .catch(() => undefined);
      return result;
    },
    /** Resolves once at most `limit` images are being stored. */
    async below(limit: number): Promise<void> {
      while (running > limit) await new Promise<void>((wake) => waiting.push(wake));
    },
  };
}
