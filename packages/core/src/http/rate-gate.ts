/**
 * Shared by every worker of a run so one 429 slows them all. After a 429 the gate stays shut for
 * the wait the server asked for, then lets paid calls through one at a time, and returns to full
 * concurrency only once the longest wait seen so far (about the server's limit window) has
 * passed without another 429. A worker pool so never
 * stampedes a rate-limited API: each limit window sees at most one refused call from us after
 * the calls that were already in flight when the first 429 came.
 */
import type { RateGate } from '../types.js';

export type { RateGate, RateOutcome } from '../types.js';

export function createRateGate(
  options: { now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
): RateGate {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  let closedUntil = 0;
  /** Single file until this time passes with no new 429. */
  let quietUntil = 0;
  /** Longest wait a server asked for: the best guess of its rate window we get. */
  let longestWait = 0;
  let probing = false;
  let probeInFlight = false;
  let waiters: Array<() => void> = [];

  const wake = () => {
    const current = waiters;
    waiters = [];
    for (const resolve of current) resolve();
  };

  return {
    get probing() {
      return probing;
    },
    backoff(ms) {
      closedUntil = Math.max(closedUntil, now() + ms);
      longestWait = Math.max(longestWait, ms);
      quietUntil = Math.max(quietUntil, closedUntil + longestWait);
      probing = true;
    },
    async acquire(signal) {
      for (;;) {
        signal?.throwIfAborted();
        const wait = closedUntil - now();
        if (wait > 0) {
          await sleep(wait, signal);
          continue;
        }
        if (probing && probeInFlight) {
          await new Promise<void>((resolve) => waiters.push(resolve));
          continue;
        }
        const isProbe = probing;
        if (isProbe) probeInFlight = true;
        let released = false;
        return (outcome) => {
          if (released) return;
          released = true;
          if (!isProbe) return;
          probeInFlight = false;
          if (outcome === 'ok' && now() >= quietUntil) probing = false;
          wake();
        };
      }
    },
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
