/**
 * The deriver's manifests, one per original: loaded once (analysing the image when there is
 * none), extended with new placeholders, and saved one write at a time per original.
 */
import { type CacheManifest, originalDir, readManifest, writeManifest } from './cache.js';
import { DERIVE_VERSION } from './defaults.js';
import { analyzeOriginal } from './encode.js';
import { labelOf } from './input.js';
import { hashTransform, planPlaceholder } from './plan.js';
import type { DeriveCounters, DeriveInput, ResolvedDeriveOptions } from './types.js';

export interface ManifestStore {
  /** The manifest of an original with this placeholder in it, analysing the image if needed. */
  load(input: DeriveInput, sha256: string, resolved: ResolvedDeriveOptions): Promise<CacheManifest>;
  save(sha256: string, manifest: CacheManifest): Promise<void>;
  /** The manifest loaded (or being loaded) for an original, if any. */
  get(sha256: string): Promise<CacheManifest> | undefined;
}

export function manifestStore(
  cacheDir: string,
  runSharp: <T>(task: () => Promise<T>) => Promise<T>,
  counters: DeriveCounters,
): ManifestStore {
  const manifests = new Map<string, Promise<CacheManifest>>();
  const saving = new Map<string, Promise<void>>();
  const placeholderJobs = new Map<string, Promise<void>>();

  function saveManifest(sha256: string, manifest: CacheManifest): Promise<void> {
    // Serialized per original; each write takes the latest in-memory state.
    const previous = saving.get(sha256) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => writeManifest(originalDir(cacheDir, sha256), manifest));
    saving.set(sha256, next);
    return next;
  }

  /** The manifest of an original with this placeholder in it, analysing the image if needed. */
  async function loadManifest(
    input: DeriveInput,
    sha256: string,
    resolved: ResolvedDeriveOptions,
  ): Promise<CacheManifest> {
    const placeholder = planPlaceholder(resolved);
    const placeholderKey = hashTransform(placeholder);
    let pending = manifests.get(sha256);
    if (!pending) {
      pending = (async () => {
        const stored = await readManifest(originalDir(cacheDir, sha256), sha256);
        if (stored) return stored;
        const analysis = await runSharp(async () =>
          analyzeOriginal(input, placeholder, labelOf(input)),
        );
        counters.encoded += 1;
        const manifest: CacheManifest = {
          version: DERIVE_VERSION,
          original: {
            width: analysis.width,
            height: analysis.height,
            format: analysis.format,
            sha256,
          },
          dominantColor: analysis.dominantColor,
          placeholders: { [placeholderKey]: analysis.placeholder },
          entries: {},
        };
        await saveManifest(sha256, manifest);
        return manifest;
      })();
      manifests.set(sha256, pending);
      pending.catch(() => manifests.delete(sha256));
    }
    const manifest = await pending;
    if (manifest.placeholders[placeholderKey] === undefined) {
      const flight = `${sha256}:${placeholderKey}`;
      let job = placeholderJobs.get(flight);
      if (!job) {
        job = runSharp(async () => {
          const analysis = await analyzeOriginal(input, placeholder, labelOf(input));
          counters.encoded += 1;
          manifest.placeholders[placeholderKey] = analysis.placeholder;
          await saveManifest(sha256, manifest);
        }).finally(() => placeholderJobs.delete(flight));
        placeholderJobs.set(flight, job);
      }
      await job;
    }
    return manifest;
  }

  return {
    load: loadManifest,
    save: saveManifest,
    get: (sha256) => manifests.get(sha256),
  };
}
