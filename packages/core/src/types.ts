/**
 * Contracts shared by every herogen module. Pure data shapes only: no I/O, no classes.
 */
import type { FormData } from 'undici';

export type ImageFormat = 'png' | 'webp' | 'jpeg';
export type Background = 'auto' | 'opaque' | 'transparent';
export type Resolution = '1K' | '2K' | '4K';

/** Where every log line goes. Astro's integration logger, a Vite wrapper or the CLI's. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A reference image named in frontmatter, resolved and hashed by the scanner. */
export interface ReferenceImage {
  /** Root-relative POSIX path. */
  path: string;
  sha256: string;
}

/**
 * The hero field of one content file, as the author wrote it (after shorthand expansion and
 * validation). `prompt` is undefined for `hero: auto`.
 */
export interface HeroSpec {
  prompt?: string;
  auto: boolean;
  alt?: string;
  decorative: boolean;
  aspect?: string;
  size?: string;
  resolution?: Resolution;
  quality?: string;
  model?: string;
  provider?: string;
  format?: ImageFormat;
  background?: Background;
  /** A string replaces the site style for this hero; `false` opts out of it. */
  style?: string | false;
  variant?: number;
  /** Root-relative paths as the author wrote them, resolved by the scanner. */
  references?: string[];
}

/** One hero found in one content file. */
export interface ContentHero {
  /** Root-relative POSIX path of the content file. */
  file: string;
  /** 1-based line of the hero field in that file. */
  line: number;
  /** Frontmatter field name the hero came from (config `field`). */
  field: string;
  spec: HeroSpec;
  /** References resolved and hashed, in the order written. */
  references: ReferenceImage[];
  title?: string;
  description?: string;
}

/**
 * What a hero asks for once site defaults, style and template are applied, before a provider
 * turns it into its own request shape.
 */
export interface HeroIntent {
  prompt: string;
  aspect: string;
  size?: string;
  resolution: Resolution;
  quality: string;
  model?: string;
  background: Background;
  format: ImageFormat;
  references: ReferenceImage[];
  variant: number;
}

/**
 * The exact request a provider makes: everything that changes the pixels, nothing cosmetic.
 * This object (minus reference paths) is what the cache key hashes.
 */
export interface GenerationRequest {
  provider: string;
  model: string;
  prompt: string;
  /** Exact pixel size, `WxH`, for providers that take one (OpenAI, local). */
  size?: string;
  /** Ratio and tier, for providers that take those instead of pixels (hiapi, Gemini). */
  aspect?: string;
  resolution?: Resolution;
  quality?: string;
  background?: Background;
  format: ImageFormat;
  references: ReferenceImage[];
  variant: number;
}

export type CostConfidence = 'exact' | 'estimate' | 'unknown';

export interface CostEstimate {
  /** `null` when unknown: shown as unknown, never as $0. */
  usd: number | null;
  confidence: CostConfidence;
  /** Set when `usd` is the median of this many exact costs recorded for the same kind of image. */
  calibratedFrom?: number;
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

/** One HTTP call as the run's client sends it (implemented in http/client.ts). */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | FormData;
  signal?: AbortSignal;
  /** Deadline for this request, headers and body together. Defaults to the client's. */
  timeoutMs?: number;
  /** Largest body accepted; more aborts the request. @default DEFAULT_MAX_JSON_BYTES */
  maxBodyBytes?: number;
  /**
   * Connect only to public IP addresses (checked after DNS, on the address connected to), except
   * for `exceptHost`, which may be private: the API's own host, e.g. a local mock. A refused
   * address fails with a `refused` TransportError before anything is sent.
   */
  publicOnly?: { exceptHost?: string };
}

export interface HttpResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/**
 * The rate gate shared by a run's paid calls (implemented in http/rate-gate.ts). After a 429 it
 * stays shut for the wait the server asked for, then lets calls through one at a time.
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
}

/** A stored original, as recorded in `herogen.lock.json`. */
export interface LockEntry {
  /** Root-relative POSIX path of the original. */
  file: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  format: string;
  provider: string;
  model: string;
  prompt: string;
  request: GenerationRequest;
  createdAt: string;
  costUsd: number | null;
  costConfidence: CostConfidence;
  requestId?: string;
  taskId?: string;
  revisedPrompt?: string;
  /** True when the file is not a real generation (offline art or a stand-in after a failure). */
  placeholder?: boolean;
  /** Why a stand-in was stored instead of a real image. */
  placeholderReason?: string;
  /**
   * Rebuilt from the file itself: the lock had lost the entry (emptied, deleted) while the paid
   * original stayed in outDir. Cost, request id and revised prompt are not known.
   */
  recovered?: true;
  /**
   * The frontmatter fields (with their mode, as in config `field`) whose heroes asked for this
   * image, so `prune` still finds its users after `field` changes. Absent in older locks.
   */
  fields?: Record<string, 'hero' | 'image'>;
}

/** An async task created at a provider but not yet stored: resumed instead of paid again. */
export interface PendingTask {
  provider: string;
  model: string;
  taskId: string;
  createdAt: string;
}

/**
 * An earlier take of a key, kept when a new one replaced it (`herogen regenerate`, `herogen
 * pick`). `file` is its copy under `<outDir>/history/<key>/`; the rest is as it was recorded.
 */
export interface HistoryEntry extends LockEntry {
  /** When it stopped being the current image. */
  replacedAt: string;
  /**
   * What replaced it: a new take (`regenerate`), a chosen variant (`pick`), or a new paid image
   * stored where an original the lock did not list was found (`replaced`).
   */
  reason: 'regenerate' | 'pick' | 'replaced';
  /** Set when the kept file was not the one the lock recorded (edited or damaged by hand). */
  note?: string;
}

export interface Lock {
  version: 1;
  images: Record<string, LockEntry>;
  pending: Record<string, PendingTask>;
  /** Earlier takes per key, oldest first. Absent until something was regenerated or picked. */
  history?: Record<string, HistoryEntry[]>;
  /** Answers the API billed that were not stored, oldest first. Absent until there is one. */
  spent?: SpentRecord[];
}

export type JobStatus = 'cached' | 'missing' | 'placeholder' | 'corrupt';

/** One distinct request and everything that uses it. */
export interface Job {
  key: string;
  status: JobStatus;
  request: GenerationRequest;
  /** Root-relative POSIX path the original lives at (or will): `<outDir>/<key>.<ext>`. */
  file: string;
  sources: ContentHero[];
  estimate: CostEstimate;
  entry?: LockEntry;
}

/** What the stored-file check found for a key; gathered by I/O code, consumed by the planner. */
export type StoredFileState = 'ok' | 'missing' | 'corrupt';

/** Progress of a run, one event per step; the CLI bar, CI lines and Astro logs render these. */
export type RunEvent =
  | { type: 'plan'; total: number; missing: number; cached: number; estimateUsd: number | null }
  | { type: 'start'; job: Job }
  | { type: 'retry'; job: Job; attempt: number; delayMs: number; reason: string }
  | { type: 'generated'; job: Job; entry: LockEntry }
  | { type: 'skipped'; job: Job; reason: string }
  | {
      type: 'failed';
      job: Job;
      error: Error;
      placeholder: LockEntry | undefined;
      /** The provider billed an answer that could not be stored (refused, or the disk full). */
      spent?: SpentRecord;
    }
  | { type: 'paused'; ms: number; reason: string };

export interface JobResult {
  key: string;
  status: 'cached' | 'generated' | 'failed' | 'placeholder' | 'skipped';
  job: Job;
  entry?: LockEntry;
  error?: Error;
  /** A billed answer that was not stored (refused, or the disk full): it still cost money. */
  spent?: SpentRecord;
}

/**
 * A paid answer herogen did not store, recorded in the lock's `spent` log: the API billed it
 * although the image was refused (wrong size, truncated, SVG) or could not be written.
 */
export interface SpentRecord {
  key: string;
  provider: string;
  model: string;
  costUsd: number | null;
  costConfidence: CostConfidence;
  /** When the answer arrived. */
  at: string;
  /** Why it was not stored (error code and message). */
  reason: string;
  requestId?: string;
}

export interface RunSummary {
  cached: number;
  generated: number;
  failed: number;
  /** Stand-ins stored instead of real images (frozen mode, failures, no credentials). */
  placeholders: number;
  /** Sum of known costs of this run. */
  costUsd: number;
  /** True when some cost of this run is unknown or estimated. */
  costIsEstimate: boolean;
  /** Answers billed but not stored (included in `costUsd`); absent when there were none. */
  refused?: { answers: number; costUsd: number };
  interrupted: boolean;
  results: JobResult[];
}

/** A content entry's hero, resolved for a loader: where its image lives and how to describe it. */
export interface EntryHero {
  key: string;
  /** Absolute path of the original (exists once generated; a placeholder may stand in). */
  absolutePath: string;
  /** Root-relative POSIX path. */
  file: string;
  alt: string;
  decorative: boolean;
  prompt: string;
  provider: string;
  model: string;
  placeholder: boolean;
  exists: boolean;
}

/** Options of one run of the pipeline. */
export interface RunOptions {
  /** Stop scheduling: images not yet started are skipped, running ones finish and are stored. */
  signal?: AbortSignal;
  /** Abort running requests too (a second Ctrl-C). What already arrived is still stored. */
  cancelSignal?: AbortSignal;
  /** Never call a paid API: missing images become placeholders (or fail when strict). */
  frozen?: boolean;
  onEvent?: (event: RunEvent) => void;
  /** Limit the run to heroes from these root-relative content files. */
  only?: string[];
  /**
   * Keys to pay for a new take of although they are stored (`herogen regenerate`): the current
   * original is kept in history first, and a failure never replaces it with a stand-in.
   */
  renew?: readonly string[];
}

/**
 * A project bound to its root and resolved config: what the CLI, the Astro integration and the
 * Vite plugin use. Created by `createHerogen({ root, config?, configFile?, logger?, env? })`.
 */
export interface HerogenSession {
  readonly root: string;
  /** Absolute path of the lock manifest. */
  readonly lockPath: string;
  /** Absolute path of the originals directory. */
  readonly outDir: string;
  /** Every path herogen uses in this project, resolved once. */
  readonly layout: ProjectLayout;
  /**
   * Scan content and plan every job (no network, no writes). Throws on invalid content.
   * `fields` scans these frontmatter fields instead of the configured ones.
   */
  plan(options?: {
    only?: string[];
    fields?: readonly { name: string; mode: 'hero' | 'image' }[];
  }): Promise<PlanResult>;
  /** Generate what is missing through one scheduler; stores each original, then the lock. */
  generate(options?: RunOptions): Promise<RunSummary>;
  /**
   * For content loaders: the stored image for one entry's hero field value (already parsed
   * frontmatter), or undefined when the value is not a hero. Deterministic: the path depends
   * on the request only, so it is known before the image exists.
   */
  resolveEntry(
    file: string,
    data: Record<string, unknown>,
    options?: { field?: string },
  ): Promise<EntryHero | undefined>;
  /** Close HTTP agents and file watchers. */
  close(): Promise<void>;
}

export interface PlanResult {
  jobs: Job[];
  files: number;
  warnings: Error[];
  /** Sum of estimates of jobs that need generating; null when any is unknown. */
  estimateUsd: number | null;
  /** Provider chosen for jobs without an override, and why (e.g. "no API key set"). */
  provider: { id: string; reason: string };
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

/**
 * Every path herogen uses in one project, resolved once (`resolveProjectLayout` in
 * fs/project-layout.ts) from the root and the `outDir` and `lockFile` settings.
 */
export interface ProjectLayout {
  /** Absolute project root. */
  readonly root: string;
  /** Originals folder, absolute. */
  readonly outDir: string;
  /** The same, root-relative POSIX (`src/assets/herogen`): what jobs and the lock name. */
  readonly outDirRelative: string;
  /** Absolute path of `herogen.lock.json`. */
  readonly lockPath: string;
  /** `<root>/node_modules/.cache/herogen`. */
  readonly cacheDir: string;
  /** Per-key claims across processes. */
  readonly claims: string;
  /** Journal of images received but not yet recorded in the lock. */
  readonly incoming: string;
  /** hiapi task ids written before the lock has them (beside the lock file's folder). */
  readonly tasks: string;
  /** Answers that failed the checks, kept for a bug report. */
  readonly rejected: string;
  /** Derivative cache (`@herogen/core/derive`). */
  readonly derive: string;
  /** Frontmatter scan cache. */
  readonly scanCache: string;
}
