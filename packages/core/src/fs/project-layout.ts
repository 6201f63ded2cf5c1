/**
 * Where herogen keeps its files in a project. `node_modules/.cache/herogen` is joined here and
 * nowhere else: cheap state that can be rebuilt or is only needed across a crash (claims, the
 * journal of received images, hiapi task ids, the scan cache, derivatives, rejected answers,
 * batch output files being collected).
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ProjectLayout } from '../types.js';

/** herogen's cache folder, relative to the project root. */
export const CACHE_DIR = join('node_modules', '.cache', 'herogen');

/** Folder of earlier takes inside the originals directory. */
export const HISTORY_DIR = 'history';
/** Folder of variant candidates inside the originals directory. */
export const VARIANTS_DIR = 'variants';

/** `<outDir>/history/<key>`: the earlier takes of one hero. */
export function takesDir(outDir: string, key: string): string {
  return join(outDir, HISTORY_DIR, key);
}

export type CacheEntry = 'claims' | 'incoming' | 'rejected' | 'derive' | 'scan.json' | 'batches';

/** `<root>/node_modules/.cache/herogen/<entry>`. */
export function cachePath(root: string, entry: CacheEntry): string {
  return join(root, CACHE_DIR, entry);
}

/**
 * `<root>/node_modules/.cache/herogen/batches/<batch>-<file>.jsonl`: a batch's output or error
 * file, downloaded there while it is collected (ids outside `[\w-]` are replaced).
 */
export function batchDownloadPath(root: string, batchId: string, fileId: string): string {
  const safe = (id: string) => id.replace(/[^\w-]/g, '_').slice(0, 100);
  return join(cachePath(root, 'batches'), `${safe(batchId)}-${safe(fileId)}.jsonl`);
}

/** The folder of hiapi task sidecars: beside the lock file (where it has always been). */
export function taskDir(lockPath: string): string {
  return cachePath(dirname(resolve(lockPath)), 'incoming');
}

/** Open batches of a provider's batch API, committed beside the lock. */
export const BATCHES_FILE_NAME = 'herogen.batches.json';

/** The sidecar of a lock file: `herogen.batches.json` in the lock's folder. */
export function batchesFilePath(lockPath: string): string {
  return join(dirname(resolve(lockPath)), BATCHES_FILE_NAME);
}

/** Every path of a project, from its root and the `outDir` and `lockFile` settings. */
export function resolveProjectLayout(
  root: string,
  settings: { outDir: string; lockFile: string },
): ProjectLayout {
  const lockPath = resolve(root, settings.lockFile);
  return {
    root,
    ...originalsPaths(root, resolve(root, settings.outDir)),
    lockPath,
    batches: batchesFilePath(lockPath),
    cacheDir: join(root, CACHE_DIR),
    claims: cachePath(root, 'claims'),
    incoming: cachePath(root, 'incoming'),
    tasks: taskDir(lockPath),
    rejected: cachePath(root, 'rejected'),
    derive: cachePath(root, 'derive'),
    scanCache: cachePath(root, 'scan.json'),
  };
}

/**
 * The layout a variant run stores under: `<outDir>/variants` as its originals folder, the
 * project's lock and cache folders unchanged.
 */
export function layoutForVariants(layout: ProjectLayout): ProjectLayout {
  return { ...layout, ...originalsPaths(layout.root, layout.variants) };
}

/** The paths that follow from the originals folder. */
function originalsPaths(
  root: string,
  outDir: string,
): Pick<ProjectLayout, 'outDir' | 'outDirRelative' | 'history' | 'variants'> {
  return {
    outDir,
    outDirRelative: relative(root, outDir).split(sep).join('/'),
    history: join(outDir, HISTORY_DIR),
    variants: join(outDir, VARIANTS_DIR),
  };
}
