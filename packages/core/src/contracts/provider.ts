/** The provider contract: what an image API takes, returns and needs from the run. */
import type { BatchApi } from './batch.js';
import type { HttpClient, RateGate } from './http.js';
import type { CostConfidence, CostEstimate, GenerationRequest, HeroIntent } from './request.js';

/** Where every log line goes. Astro's integration logger, a Vite wrapper or the CLI's. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a provider hands back: the bytes exactly as returned, plus provenance. */
export interface GeneratedImage {
  bytes: Uint8Array;
  mediaType: string;
  width?: number;
  height?: number;
  costUsd?: number;
  costConfidence?: CostConfidence;
  usage?: Record<string, unknown>;
  requestId?: string;
  taskId?: string;
  revisedPrompt?: string;
  warnings?: string[];
}

/** Lets an async provider (hiapi) persist a task id before polling, and resume one. */
export interface TaskJournal {
  /** Task id saved by an earlier, interrupted run for this key, if any. */
  resumeTaskId: string | undefined;
  /** Persist the task id; resolves once it is durably in the lock. */
  record(taskId: string): Promise<void>;
}

export interface ProviderContext {
  /** Abort everything now (a second Ctrl-C): what is dropped may have been paid for. */
  signal: AbortSignal;
  /**
   * The run is stopping (first Ctrl-C, SIGTERM): stop waiting for work that the next run can
   * pick up without paying again (a hiapi task whose id is saved). Calls that could be lost,
   * and paid, if dropped carry on until `signal`.
   */
  stopSignal?: AbortSignal;
  logger: Logger;
  /** Root-relative POSIX path → bytes, confined to the project root. */
  readReference(path: string): Promise<Uint8Array>;
  task: TaskJournal;
  /** Called when the server asks every worker to wait (429 with retry-after). */
  pauseAll?(ms: number): void;
  /** Shared by the run's paid calls: after a 429 they go one at a time until one succeeds. */
  rateGate?: RateGate;
  /** Per-request timeout in ms (config `timeoutMs`). */
  timeoutMs: number;
  /** Retries for retryable failures (config `maxRetries`). */
  maxRetries: number;
  /** Told before each retry, so runs can show why an image is taking longer. */
  onRetry?(info: { attempt: number; delayMs: number; reason: string }): void;
  /** The run's shared HTTP client (one keep-alive agent); providers make a private one when absent. */
  http?: HttpClient;
}

/** One validation problem with a request, naming the field at fault. */
export interface RequestIssue {
  field: string;
  message: string;
}

export interface HeroProvider {
  readonly id: string;
  /** False only for offline providers whose output is a placeholder, not an AI image. */
  readonly paid: boolean;
  /**
   * Where the user puts this provider's key, named in hints when it is missing (the environment
   * variable, e.g. `OPENAI_API_KEY`). Absent when the provider needs none or has its own setup.
   */
  readonly credentialHint?: string;
  readonly defaultModel: string;
  /**
   * Model ids this provider is known to take (snapshot suffixes `-YYYY-MM-DD` included).
   * `herogen plan` flags any other as unknown; it is still sent as is, so a newer model works
   * without a herogen release. Absent: no list (custom providers), nothing is flagged.
   */
  readonly knownModels?: readonly string[];
  /** Longest prompt the API accepts, in characters. */
  readonly maxPromptLength: number;
  /** Pure: turn an intent into this provider's concrete request. */
  prepare(intent: HeroIntent, model: string): GenerationRequest;
  /** Pure: what is wrong with a request, before any money is spent. Empty when fine. */
  validate(request: GenerationRequest): RequestIssue[];
  /** Pure: what a request will cost. */
  estimate(request: GenerationRequest): CostEstimate;
  /** True when credentials are present (checked when a build starts, not at import). */
  isConfigured(): boolean;
  generate(request: GenerationRequest, context: ProviderContext): Promise<GeneratedImage>;
  /** The provider's batch API (half price, results within a day), when it has one. */
  readonly batch?: BatchApi;
}

/** The providers of one project, and which one a hero without an override uses. */
export interface ProviderRegistry {
  /** Id of the provider heroes use when they name none. */
  readonly defaultId: string;
  /** Why that provider was chosen, for the first log line of a run. */
  readonly reason: string;
  ids(): string[];
  get(id: string): HeroProvider | undefined;
  /**
   * Providers to try, in order, for a hero (`override` = its `provider` field). The planner
   * takes the first whose image is already stored, else the last one, which can run here.
   */
  candidatesFor(override: string | undefined): HeroProvider[];
  /**
   * Providers whose stored images also satisfy a hero that names no provider, although they
   * do not make new ones here: with `provider: 'auto'` and a key set, the other built-in paid
   * providers. Switching keys (OpenAI → hiapi) then keeps every image already paid for. Only
   * looked up in the lock, never called.
   */
  storedAlternatives(): HeroProvider[];
}
