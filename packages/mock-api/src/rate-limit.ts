const DEFAULT_WINDOW_MS = 60_000;

export interface RateLimiter {
  /** Reserve a slot now; `undefined` when the window is full (then `retryAfterMs` tells when one frees). */
  reserve(now: number): { release(): void } | { retryAfterMs: number; used: number };
  clear(): void;
  readonly limit: number | undefined;
}

/**
 * Sliding window (one minute unless tests shrink it) over paid calls; unbilled calls give their
 * slot back.
 */
export function createRateLimiter(
  limit: number | undefined,
  windowMs: number = DEFAULT_WINDOW_MS,
): RateLimiter {
  let stamps: number[] = [];
  return {
    limit,
    reserve(now) {
      if (limit === undefined) return { release() {} };
      stamps = stamps.filter((t) => t > now - windowMs);
      if (stamps.length >= limit) {
        const oldest = stamps[0] ?? now;
        return { retryAfterMs: Math.max(1, oldest + windowMs - now), used: stamps.length };
      }
      const stamp = now;
      stamps.push(stamp);
      return {
        release() {
          const i = stamps.indexOf(stamp);
          if (i >= 0) stamps.splice(i, 1);
        },
      };
    },
    clear() {
      stamps = [];
    },
  };
}
