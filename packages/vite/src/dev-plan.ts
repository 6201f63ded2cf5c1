import { formatSummary, type RunSummary } from '@herogen/core';
import type { HeroEntry } from './entries.js';
import { createFileQueue, type FileQueue } from './file-queue.js';
import type { PluginState } from './plugin-state.js';

/**
 * Dev: the site's heroes, planned once and reused by every page load until content or the lock
 * changes, with offline placeholders stored for what is missing so no load waits on a provider.
 */
export interface DevPlan {
  /** The site's heroes (or only these files'), placeholders stored for what is missing. */
  entries(only?: string[]): Promise<Map<string, HeroEntry>>;
  /** The cached full plan, as it is (no placeholders stored). */
  current(): Promise<Map<string, HeroEntry>>;
  /** Content or the lock changed: the next use plans afresh. */
  invalidate(): void;
  /** First use: store placeholders for what is missing and remember every file's key. */
  start(): Promise<void>;
  /** The key each content file had when last seen, to spot new or changed prompts. */
  readonly knownKeys: Map<string, string>;
  /** Runs for one content file never overlap. */
  readonly queue: FileQueue;
}

export function createDevPlan(state: PluginState): DevPlan {
  let plan: Promise<Map<string, HeroEntry>> | undefined;
  let ready: Promise<void> | undefined;
  const knownKeys = new Map<string, string>();
  const queue = createFileQueue();

  function current(): Promise<Map<string, HeroEntry>> {
    if (!plan) {
      const pending = state.planEntries();
      plan = pending;
      pending.catch(() => {
        if (plan === pending) plan = undefined;
      });
    }
    return plan;
  }

  function invalidate(): void {
    plan = undefined;
  }

  function storePlaceholders(files: string[]): Promise<RunSummary> {
    return queue.run(files, async () =>
      (await state.getSession()).generate({ frozen: true, only: files }),
    );
  }

  function start(): Promise<void> {
    ready ??= (async () => {
      const before = await state.planEntries();
      const missing = [...before.values()].filter((entry) => !entry.stored);
      if (missing.length > 0) {
        const summary = await storePlaceholders(missing.map((entry) => entry.file));
        invalidate();
        state.logger().info(`dev start: ${formatSummary(summary)}`);
      }
      for (const entry of before.values()) knownKeys.set(entry.file, entry.key);
    })();
    ready.catch(() => {
      ready = undefined; // retry on the next request once the content is fixed
    });
    return ready;
  }

  async function entries(only?: string[]): Promise<Map<string, HeroEntry>> {
    await start();
    const pick = (all: Map<string, HeroEntry>) =>
      only ? new Map([...all].filter(([file]) => only.includes(file))) : all;
    let picked = pick(await current());
    const missing = [...picked.values()].filter((entry) => !entry.stored);
    if (missing.length > 0) {
      await storePlaceholders(missing.map((entry) => entry.file));
      invalidate();
      picked = pick(await current());
    }
    return picked;
  }

  return { entries, current, invalidate, start, knownKeys, queue };
}
