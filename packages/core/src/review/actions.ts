import type { ResolvedConfig } from '../config/schema.js';
import { HerogenError } from '../errors.js';
import { layoutForVariants } from '../fs/project-layout.js';
import { readLock } from '../lock/read-lock.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { runJobs } from '../run/run-jobs.js';
import { checkStoredFiles } from '../store/check-stored.js';
import { printablePath } from '../text/printable.js';
import type {
  HerogenSession,
  HistoryEntry,
  Job,
  JobResult,
  Lock,
  Logger,
  RunOptions,
  RunSummary,
} from '../types.js';
import { listCandidates, planCandidates } from './candidates.js';
import { type PickResult, pickCandidate, restoreTake } from './pick.js';

/** What the review actions need of a session (`createHerogen` gives all of it). */
export interface ReviewSession
  extends Pick<HerogenSession, 'root' | 'lockPath' | 'outDir' | 'layout'> {
  readonly config: ResolvedConfig;
  readonly registry: ProviderRegistry;
  plan: HerogenSession['plan'];
  generate: HerogenSession['generate'];
}

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Most candidates one action may pay for: a typo must not cost a fortune. */
export const MAX_CANDIDATES = 16;

/** The content files of a hero, for messages. */
export function sourcesText(job: Job): string {
  return job.sources.map((source) => printablePath(source.file)).join(', ');
}

export interface RenewOutcome {
  summary: RunSummary;
  /** Results of the named heroes, each with the take it replaced (kept in history). */
  results: { result: JobResult; previous?: HistoryEntry }[];
}

/**
 * Pay for a new take of stored heroes: key and path stay the same, the previous original is
 * kept in `<outDir>/history/<key>/` first. A failure never replaces the current image.
 */
export async function regenerateHeroes(
  session: ReviewSession,
  jobs: readonly Job[],
  options: Omit<RunOptions, 'only' | 'newTakes'> = {},
): Promise<RenewOutcome> {
  const unique = [...new Map(jobs.map((job) => [job.key, job])).values()];
  const started = new Date().toISOString();
  const summary = await session.generate({
    ...options,
    only: [...new Set(unique.flatMap((job) => job.sources.map((source) => source.file)))],
    newTakes: unique.map((job) => job.key),
  });
  const lock = await readLock(session.lockPath);
  const replaced = new Map(unique.map((job) => [job.key, job.entry?.sha256]));
  // The take kept by this run, or, when the same bytes were kept before (a redo killed and
  // started again keeps a take once), that one.
  const previous = (key: string): HistoryEntry | undefined => {
    const takes = lock.history?.[key] ?? [];
    return (
      takes.filter((take) => take.replacedAt >= started).at(-1) ??
      takes.filter((take) => take.sha256 === replaced.get(key)).at(-1)
    );
  };
  return {
    summary,
    results: summary.results
      .filter((result) => unique.some((job) => job.key === result.key))
      .map((result) => {
        const kept = result.status === 'generated' ? previous(result.key) : undefined;
        return kept ? { result, previous: kept } : { result };
      }),
  };
}

export interface CandidateRow {
  n: number;
  key: string;
  file: string;
  placeholder: boolean;
  costUsd: number | null;
  createdAt: string;
  /** The hero's image currently has these bytes (picked, or its own variant). */
  current: boolean;
}

/** Every stored candidate of a hero, with the one in place marked. */
export function candidateRows(main: Job, lock: Lock, outDir: string): CandidateRow[] {
  const currentSha = lock.images[main.key]?.sha256;
  return listCandidates(main, lock, outDir).map(({ n, key, entry }) => ({
    n,
    key,
    file: entry.file,
    placeholder: entry.placeholder === true,
    costUsd: entry.costUsd,
    createdAt: entry.createdAt,
    current: currentSha !== undefined && entry.sha256 === currentSha,
  }));
}

/** The candidates 1..count of a hero not stored yet, as jobs (`planCandidates`). */
export async function candidateJobs(
  session: ReviewSession,
  main: Job,
  count: number,
): Promise<Job[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CANDIDATES) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `the number of candidates must be a whole number from 1 to ${MAX_CANDIDATES}, not ${count}`,
    );
  }
  const provider = session.registry.get(main.request.provider);
  if (!provider) {
    throw new HerogenError('REQUEST_INVALID', `unknown provider "${main.request.provider}"`);
  }
  const lock = await readLock(session.lockPath);
  const stored = await checkStoredFiles(session.root, session.layout.outDir, lock, { hash: false });
  return planCandidates(main, count, {
    lock,
    stored,
    outDir: session.layout.outDirRelative,
    provider,
  })
    .filter((candidate) => !candidate.current)
    .map((candidate) => candidate.job);
}

export interface VariantsOutcome {
  summary: RunSummary;
  /** Every stored candidate of the hero afterwards. */
  candidates: CandidateRow[];
}

/**
 * Candidates 1..count of a hero (its request with `variant` = 1..count), each paid once and
 * stored under `<outDir>/variants/`. The hero's own image is untouched until one is picked.
 * Refused before any call in frozen mode or without a key (a candidate is only worth paying).
 */
export async function generateVariants(
  session: ReviewSession,
  main: Job,
  count: number,
  options: Omit<RunOptions, 'only' | 'newTakes'> & { logger?: Logger } = {},
): Promise<VariantsOutcome> {
  const provider = session.registry.get(main.request.provider);
  if (provider?.paid && (session.config.frozen || options.frozen)) {
    throw new HerogenError(
      'FROZEN',
      'frozen mode: no candidates are generated (they would be paid calls)',
      { hint: 'run without --frozen / HEROGEN_FROZEN' },
    );
  }
  if (provider?.paid && !provider.isConfigured()) {
    throw new HerogenError(
      'PROVIDER_AUTH',
      `no API key for ${provider.id}, so no candidates can be generated for ${sourcesText(main)}`,
      { hint: provider.id === 'hiapi' ? 'set HIAPI_API_KEY' : 'set OPENAI_API_KEY' },
    );
  }
  const jobs = await candidateJobs(session, main, count);
  const { logger, ...runOptions } = options;
  const summary = await runJobs(
    jobs,
    {
      layout: layoutForVariants(session.layout),
      config: session.config,
      registry: session.registry,
      logger: logger ?? SILENT,
    },
    runOptions,
  );
  const lock = await readLock(session.lockPath);
  return { summary, candidates: candidateRows(main, lock, session.layout.outDirRelative) };
}

/** Make candidate `n` the hero's image (`pickCandidate`); its frontmatter is not touched. */
export async function pickVariant(
  session: ReviewSession,
  main: Job,
  n: number,
  options: { logger?: Logger; signal?: AbortSignal; target?: string } = {},
): Promise<PickResult & { from: string }> {
  const lock = await readLock(session.lockPath);
  const candidates = listCandidates(main, lock, session.layout.outDirRelative);
  const candidate = candidates.find((c) => c.n === n);
  if (!candidate) {
    const known = candidates.map((c) => c.n).join(', ');
    const target = options.target ?? main.sources[0]?.file ?? main.key;
    throw new HerogenError(
      'CONTENT_INVALID',
      n === main.request.variant
        ? `candidate ${n} is the take ${sourcesText(main)} asks for already`
        : `there is no candidate ${n} for ${sourcesText(main)}${known ? ` (stored: ${known})` : ''}`,
      { hint: `generate candidates with \`herogen variants ${target} -n ${Math.max(n, 4)}\`` },
    );
  }
  const result = await pickCandidate({
    root: session.root,
    outDir: session.layout.outDir,
    lockPath: session.lockPath,
    main,
    candidate,
    registry: session.registry,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...result, from: candidate.entry.file };
}

/**
 * Make an earlier take (a file of the hero's history) its image again; the current one is
 * kept in history first, so restoring is never a loss either.
 */
export async function restoreEarlierTake(
  session: ReviewSession,
  main: Job,
  file: string,
  options: { logger?: Logger; signal?: AbortSignal } = {},
): Promise<PickResult> {
  const lock = await readLock(session.lockPath);
  const take = (lock.history?.[main.key] ?? []).find((entry) => entry.file === file);
  if (!take) {
    throw new HerogenError(
      'CONTENT_INVALID',
      `${printablePath(file)} is not an earlier take of ${sourcesText(main)}`,
      { hint: 'list the earlier takes with `herogen report`' },
    );
  }
  return restoreTake({
    root: session.root,
    outDir: session.layout.outDir,
    lockPath: session.lockPath,
    main,
    take,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
