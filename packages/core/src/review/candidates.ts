/**
 * Variant candidates: takes 1..n of the same request with `variant` set to the take's number,
 * stored as ordinary originals under `<outDir>/variants/` (so each is cached, paid once, and
 * recorded in the lock like any image). The hero's own file is untouched until one is picked.
 */
import { computeKey, originalFileName } from '../key/cache-key.js';
import { VARIANTS_DIR } from '../store/original-file.js';
import type { HeroProvider, Job, Lock, LockEntry, StoredFileState } from '../types.js';

export { VARIANTS_DIR };

export interface CandidatePlan {
  /** Take number: the request's `variant`. */
  n: number;
  /** The candidate as a job (`cached` once stored); `file` is under `<outDir>/variants/`. */
  job: Job;
  /** The hero's own image already is this take (its frontmatter sets `variant: n`). */
  current: boolean;
}

export interface CandidateInput {
  lock: Lock;
  /** State of stored files by key; keys absent here count as present and intact. */
  stored?: ReadonlyMap<string, StoredFileState>;
  /** Root-relative POSIX path of the originals directory. */
  outDir: string;
  provider: HeroProvider;
}

/** Root-relative POSIX folder of candidates. */
export function variantsDir(outDir: string): string {
  return outDir === '' || outDir === '.'
    ? VARIANTS_DIR
    : `${outDir.replace(/\/+$/, '')}/${VARIANTS_DIR}`;
}

/** Candidates 1..count of a hero's job, with what is already stored. Pure. */
export function planCandidates(main: Job, count: number, input: CandidateInput): CandidatePlan[] {
  const plans: CandidatePlan[] = [];
  for (let n = 1; n <= count; n++) {
    if (n === main.request.variant) {
      plans.push({ n, job: main, current: true });
      continue;
    }
    const request = { ...main.request, variant: n };
    const key = computeKey(request);
    const entry = input.lock.images[key];
    const state = input.stored?.get(key) ?? 'ok';
    const status: Job['status'] = !entry
      ? 'missing'
      : state !== 'ok'
        ? state
        : entry.placeholder && input.provider.paid
          ? 'placeholder'
          : 'cached';
    const job: Job = {
      key,
      status,
      request,
      file: entry?.file ?? `${variantsDir(input.outDir)}/${originalFileName(key, request.format)}`,
      sources: main.sources,
      estimate:
        status === 'cached' ? { usd: 0, confidence: 'exact' } : input.provider.estimate(request),
    };
    if (entry) job.entry = entry;
    plans.push({ n, job, current: false });
  }
  return plans;
}

export interface StoredCandidate {
  n: number;
  key: string;
  entry: LockEntry;
}

/**
 * Candidates of a hero already in the lock (any number), by take number. A candidate is an
 * image under `<outDir>/variants/` whose request is the hero's except for `variant`. Pure.
 */
export function listCandidates(main: Job, lock: Lock, outDir: string): StoredCandidate[] {
  const prefix = `${variantsDir(outDir)}/`;
  const found: StoredCandidate[] = [];
  for (const [key, entry] of Object.entries(lock.images)) {
    if (!entry.file.startsWith(prefix)) continue;
    if (computeKey({ ...entry.request, variant: main.request.variant }) !== main.key) continue;
    found.push({ n: entry.request.variant, key, entry });
  }
  return found.sort((a, b) => a.n - b.n);
}

/** True when a lock entry is a candidate (kept by prune unless asked). */
export function isCandidateFile(file: string, outDir: string): boolean {
  return file.startsWith(`${variantsDir(outDir)}/`);
}
