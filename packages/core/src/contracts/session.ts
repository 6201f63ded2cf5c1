/** A project bound to its root: the session, its project layout and entries resolved for loaders. */
import type { PlanResult, RunOptions, RunSummary } from './run.js';

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
  /** Earlier takes, `<outDir>/history` (one folder per key), absolute. */
  readonly history: string;
  /** Variant candidates, `<outDir>/variants`, absolute. */
  readonly variants: string;
  /** Absolute path of `herogen.lock.json`. */
  readonly lockPath: string;
  /** `herogen.batches.json` beside the lock: batches submitted and not yet collected. */
  readonly batches: string;
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
