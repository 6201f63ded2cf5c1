import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { HerogenError } from '../errors.js';
import { type CacheManifest, originalDir, resolveCacheDir, verifyEntry } from './cache.js';
import { configureSharp, encodeTransformTo } from './encode.js';
import { inputHasher, labelOf } from './input.js';
import { manifestStore } from './manifest-store.js';
import {
  hashTransform,
  type PlannedTransform,
  planOg,
  planPlaceholder,
  planVariants,
} from './plan.js';
import { resolveDeriveOptions } from './resolve-options.js';
import type {
  DeriveCounters,
  DerivedImage,
  DerivedSet,
  DeriveInput,
  DeriveOptions,
  OriginalInfo,
} from './types.js';

export interface DeriverOptions {
  /** Project root; the cache lives in `<root>/node_modules/.cache/herogen/derive`. */
  root?: string;
  /** Cache directory, instead of the one under `root`. */
  cacheDir?: string;
  /**
   * sharp pipelines running at once. One pipeline with every core as a libvips thread keeps
   * one AVIF encoder (~100 MB at 1920 px) alive at a time: on 2 cores it peaked 22% lower than
   * one pipeline per core and took 25% longer (see BENCHMARKS.md, benchmark 5). Memory wins
   * the default, because a build that runs out of it fails.
   * @default 1
   */
  concurrency?: number;
  /**
   * libvips threads per pipeline.
   * @default max(1, floor(availableParallelism() / concurrency))
   */
  sharpThreads?: number;
}

export interface Deriver {
  readonly cacheDir: string;
  /** Live counters since creation (or the last `resetCounters`). */
  readonly counters: Readonly<DeriveCounters>;
  /** Every derivative of an original, encoded or verified in the cache. */
  derive(input: DeriveInput, options?: DeriveOptions): Promise<DerivedSet>;
  /**
   * Like `derive`, but only the placeholder and dominant colour are computed now; variants not
   * yet cached come back with `bytes: 0` and are encoded by `ensure(path)` when first asked
   * for (a dev server that must answer a page load quickly).
   */
  plan(input: DeriveInput, options?: DeriveOptions): Promise<DerivedSet>;
  /** Encode (or verify) one file returned by `plan`; undefined when this deriver never planned it. */
  ensure(path: string): Promise<DerivedImage | undefined>;
  resetCounters(): void;
}

interface Planned {
  input: DeriveInput;
  sha256: string;
  planned: PlannedTransform;
}

function toImage(path: string, planned: PlannedTransform, bytes: number): DerivedImage {
  const { width, height, format } = planned.transform;
  return { width, height, format, path, bytes };
}

function toSet(
  manifest: CacheManifest,
  placeholder: string,
  images: DerivedImage[],
  og: DerivedImage,
): DerivedSet {
  const original: OriginalInfo = { ...manifest.original };
  return { original, images, placeholder, dominantColor: manifest.dominantColor, og };
}

export function createDeriver(options: DeriverOptions = {}): Deriver {
  const cacheDir = resolve(options.cacheDir ?? resolveCacheDir(options.root ?? process.cwd()));
  const cores = availableParallelism();
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const sharpThreads = Math.max(1, options.sharpThreads ?? Math.floor(cores / concurrency));
  const limit: LimitFunction = pLimit(concurrency);
  // Hashing streams files; cap open streams separately from sharp work.
  const ioLimit: LimitFunction = pLimit(16);
  const counters: DeriveCounters = { encoded: 0, cacheHits: 0, rebuilt: 0 };

  const inflight = new Map<string, Promise<DerivedImage>>();
  const plannedFiles = new Map<string, Planned>();
  const hashInput = inputHasher(ioLimit);
  let sharpReady: Promise<void> | undefined;

  /** Run sharp work under the pipeline limit, with libvips configured first. */
  function runSharp<T>(task: () => Promise<T>): Promise<T> {
    sharpReady ??= configureSharp(sharpThreads);
    return limit(async () => {
      await sharpReady;
      return task();
    });
  }

  const manifests = manifestStore(cacheDir, runSharp, counters);
  const saveManifest = manifests.save;

  /** Verify one cached file; encode it when missing or damaged. Deduped by path. */
  function ensureEntry(
    input: DeriveInput,
    sha256: string,
    manifest: CacheManifest,
    planned: PlannedTransform,
  ): Promise<DerivedImage> {
    const path = join(originalDir(cacheDir, sha256), planned.fileName);
    const running = inflight.get(path);
    if (running) return running;
    const job = (async () => {
      const entry = manifest.entries[planned.fileName];
      const state = entry ? await verifyEntry(path, entry) : 'missing';
      if (entry && state === 'ok') {
        counters.cacheHits += 1;
        return toImage(path, planned, entry.bytes);
      }
      if (state === 'corrupt') counters.rebuilt += 1;
      const bytes = await runSharp(() =>
        encodeTransformTo(input, planned.transform, labelOf(input), path),
      );
      counters.encoded += 1;
      const { width, height, format } = planned.transform;
      manifest.entries[planned.fileName] = { width, height, format, bytes };
      return toImage(path, planned, bytes);
    })().finally(() => inflight.delete(path));
    inflight.set(path, job);
    return job;
  }

  async function prepare(input: DeriveInput, options: DeriveOptions | undefined) {
    const resolved = resolveDeriveOptions(options);
    const sha256 = await hashInput(input);
    const manifest = await manifests.load(input, sha256, resolved);
    const variants = planVariants(manifest.original, resolved);
    const og = planOg(resolved);
    const placeholder = manifest.placeholders[hashTransform(planPlaceholder(resolved))] ?? '';
    return { sha256, manifest, variants, og, placeholder };
  }

  return {
    cacheDir,
    counters,
    async derive(input, options) {
      const { sha256, manifest, variants, og, placeholder } = await prepare(input, options);
      const settled = await Promise.allSettled(
        [...variants, og].map((planned) => ensureEntry(input, sha256, manifest, planned)),
      );
      await saveManifest(sha256, manifest);
      const images: DerivedImage[] = [];
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
        images.push(result.value);
      }
      const ogImage = images.pop() as DerivedImage;
      return toSet(manifest, placeholder, images, ogImage);
    },
    async plan(input, options) {
      const { sha256, manifest, variants, og, placeholder } = await prepare(input, options);
      const dir = originalDir(cacheDir, sha256);
      const describe = async (planned: PlannedTransform): Promise<DerivedImage> => {
        const path = join(dir, planned.fileName);
        plannedFiles.set(path, { input, sha256, planned });
        const entry = manifest.entries[planned.fileName];
        const ok = entry !== undefined && (await verifyEntry(path, entry)) === 'ok';
        return toImage(path, planned, ok && entry ? entry.bytes : 0);
      };
      const images = await Promise.all(variants.map(describe));
      return toSet(manifest, placeholder, images, await describe(og));
    },
    async ensure(path) {
      const found = plannedFiles.get(resolve(path));
      if (!found) return undefined;
      const manifest = await manifests.get(found.sha256);
      if (!manifest) throw new HerogenError('INTERNAL', 'A planned derivative lost its manifest.');
      const image = await ensureEntry(found.input, found.sha256, manifest, found.planned);
      await saveManifest(found.sha256, manifest);
      return image;
    },
    resetCounters() {
      counters.encoded = 0;
      counters.cacheHits = 0;
      counters.rebuilt = 0;
    },
  };
}

const shared = new Map<string, Deriver>();

/**
 * The process-wide deriver for a cache directory, so every caller shares one sharp limit and
 * one in-flight map. The first caller's concurrency settings win.
 */
export function getDeriver(options: DeriverOptions = {}): Deriver {
  const cacheDir = resolve(options.cacheDir ?? resolveCacheDir(options.root ?? process.cwd()));
  let deriver = shared.get(cacheDir);
  if (!deriver) {
    deriver = createDeriver({ ...options, cacheDir });
    shared.set(cacheDir, deriver);
  }
  return deriver;
}

/** Derive every variant, the placeholder and the OG crop of one original, through the cache. */
export function deriveImage(
  input: DeriveInput,
  options: DeriveOptions & DeriverOptions = {},
): Promise<DerivedSet> {
  return getDeriver(options).derive(input, options);
}
