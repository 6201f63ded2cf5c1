import type { LimitFunction } from 'p-limit';
import type { ResolvedConfig } from '../config/schema.js';
import type { HttpClient } from '../http/client.js';
import type { RateGate } from '../http/rate-gate.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type {
  Job,
  Lock,
  Logger,
  ProjectLayout,
  RunEvent,
  RunOptions,
  SpentRecord,
} from '../types.js';
import type { createBudgetTracker } from './budget.js';
import type { createScheduler } from './scheduler.js';
import type { createStoreCounter } from './slots.js';

export interface RunContext {
  /** Where the run reads and writes: `root`, `outDir` (absolute), `lockPath`, cache folders. */
  layout: ProjectLayout;
  config: ResolvedConfig;
  registry: ProviderRegistry;
  logger: Logger;
  http?: HttpClient | undefined;
  rateGate?: RateGate | undefined;
  /** Keys an open batch covers, with its id (`herogen.batches.json`). */
  batches?: ReadonlyMap<string, string> | undefined;
}

/** What every step of one run shares, in one object instead of a row of parameters. */
export interface RunState {
  /** The caller's context, with this run's HTTP client and rate gate. */
  context: RunContext;
  options: RunOptions;
  emit: (event: RunEvent) => void;
  /** Keys asked for a new take. */
  newTakes: ReadonlySet<string>;
  scheduler: ReturnType<typeof createScheduler>;
  /** Jobs made ready (key claimed, lock re-read) ahead of a free provider slot. */
  ahead: LimitFunction;
  stores: ReturnType<typeof createStoreCounter>;
  tracker: ReturnType<typeof createBudgetTracker>;
  readCurrentLock: () => Promise<Lock>;
  /** Answers billed but not stored, by job: they count as spent in the summary. */
  spentBy: Map<Job, SpentRecord>;
}
