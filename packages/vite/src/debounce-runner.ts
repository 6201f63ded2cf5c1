/**
 * Runs a task per key after `delayMs` of quiet; saves during a run queue one more run.
 * Used for background generation of prompts edited in the dev server.
 */
export interface DebounceRunner {
  schedule(key: string): void;
  /** Resolves when nothing is scheduled or running. */
  idle(): Promise<void>;
  cancel(): void;
}

export function createDebounceRunner(
  delayMs: number,
  task: (key: string) => Promise<void>,
): DebounceRunner {
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const waiters: Array<() => void> = [];

  function settleIfIdle(): void {
    if (timers.size > 0 || running.size > 0) return;
    for (const resolve of waiters.splice(0)) resolve();
  }

  function start(key: string): void {
    timers.delete(key);
    if (running.has(key)) {
      again.add(key);
      return;
    }
    const run = task(key)
      .catch(() => undefined)
      .finally(() => {
        running.delete(key);
        if (again.delete(key)) start(key);
        settleIfIdle();
      });
    running.set(key, run);
  }

  return {
    schedule(key) {
      const timer = timers.get(key);
      if (timer) clearTimeout(timer);
      timers.set(
        key,
        setTimeout(() => start(key), delayMs),
      );
    },
    idle() {
      if (timers.size === 0 && running.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    cancel() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      again.clear();
      settleIfIdle();
    },
  };
}
