/**
 * Shared by every worker of a run so one 429 slows them all. After a 429 the gate stays shut for
 * the wait the server asked for, then lets paid calls through one at a time until one succeeds:
 * a worker pool never stampedes a rate-limited API, so each limit window sees at most one
 * rejected call from us after the first.
 */
export interface RateGate {
  /** Wait for permission to send a paid call; call the returned function with its outcome. */
  acquire(signal?: AbortSignal): Promise<(outcome: RateOutcome) => void>;
  /** The server asked everyone to wait `ms` (a 429). */
  backoff(ms: number): void;
  /** True while calls go one at a time after a 429. */
  readonly probing: boolean;
}

export type RateOutcome = 'ok' | 'rate-limited' | 'other';

export function createRateGate(
  options: { now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
): RateGate {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  let closedUntil = 0;
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
          if (outcome === 'ok') probing = false;
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
