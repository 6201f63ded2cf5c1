/**
 * What the last scan found in each content file, kept in
 * `<root>/node_modules/.cache/herogen/scan.json`. Keyed by the file's size, mtime and inode, so
 * an unchanged file costs one `stat` instead of a read and a YAML parse: warm builds and
 * `herogen plan` on large sites skip most of the scan. Deleting it only costs time.
 *
 * Only clean results are kept: a file whose hero had an error or a warning, or that has
 * reference images (hashed from other files), is parsed again every time.
 */
import {
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeroField } from '../config/fields.js';
import { tempFileName } from '../fs/atomic-write.js';
import { cachePath } from '../fs/project-layout.js';
import type { HeroSpec } from '../types.js';

/** Bump when what a cached entry holds, or how it is produced, changes. */
const SCAN_CACHE_VERSION = 3;

/**
 * A file modified this recently is not cached: on file systems with coarse timestamps a second
 * edit of the same size within the same tick would look unchanged.
 */
const RACY_MS = 2000;

/** One hero of a file, by the field it was found in. */
export interface CachedHero {
  field: string;
  line: number;
  spec: HeroSpec;
  title?: string;
  description?: string;
}

/** What scanning one file produced (no heroes for a file without one). */
export interface CachedScan {
  heroes: CachedHero[];
}

interface Entry extends CachedScan {
  size: number;
  mtimeMs: number;
  ino: number;
}

interface CacheFile {
  key: string;
  /**
   * How many entries `files` holds, so a warm run can tell nothing is gone without listing
   * every key (listing 20,000 keys of a dictionary costs more than reading them). Only ever
   * decides whether the file is written again.
   */
  count: number;
  files: Record<string, Entry>;
}

export interface ScanCache {
  /** The cached result for a file whose stats still match, if any. */
  get(file: string, stats: Stats): CachedScan | undefined;
  /** Remember a clean result for a file, read with these stats. */
  set(file: string, stats: Stats, result: CachedScan): void;
  /** Write the cache if it changed, keeping only `files` (best effort: errors are ignored). */
  save(files: readonly string[]): void;
}

export function resolveScanCachePath(root: string): string {
  return cachePath(root, 'scan.json');
}

/**
 * Everything besides a file's own bytes that changes its result: the cache version, the field
 * and alt settings, and this build of herogen (its files' mtime, which changes on every install
 * or rebuild).
 */
function cacheKey(fields: readonly HeroField[], strictAlt: boolean): string {
  let build = 0;
  try {
    build = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  } catch {}
  return JSON.stringify([SCAN_CACHE_VERSION, fields, strictAlt, build]);
}

/** An object as JSON.parse makes one (not an array, not null). */
function isPlainRecord(value: unknown): value is Record<string, Entry> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matches(entry: Entry | undefined, stats: Stats): entry is Entry {
  // A damaged entry (null, no list of heroes) is no match: the file is read again.
  return (
    typeof entry === 'object' &&
    entry !== null &&
    Array.isArray(entry.heroes) &&
    entry.size === stats.size &&
    entry.mtimeMs === stats.mtimeMs &&
    entry.ino === stats.ino
  );
}

export function openScanCache(
  root: string,
  options: { fields: readonly HeroField[]; strictAlt: boolean },
): ScanCache {
  const path = resolveScanCachePath(root);
  const key = cacheKey(options.fields, options.strictAlt);
  let files: Record<string, Entry> = Object.create(null);
  let count: number | undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CacheFile>;
    if (parsed.key === key && isPlainRecord(parsed.files)) {
      // Made prototype-free in place (a `__proto__` key is then plain data): copying 20,000
      // entries into a fresh object cost ~10 ms of every warm plan of a large site.
      files = Object.setPrototypeOf(parsed.files, null) as Record<string, Entry>;
      if (Number.isSafeInteger(parsed.count)) count = parsed.count;
    }
  } catch {
    // Missing or unreadable: start empty.
  }
  let dirty = false;
  return {
    get(file, stats) {
      const entry = files[file];
      return matches(entry, stats) ? { heroes: entry.heroes } : undefined;
    },
    set(file, stats, result) {
      if (Date.now() - stats.mtimeMs < RACY_MS) return;
      files[file] = { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, ...result };
      dirty = true;
    },
    save(current) {
      // Nothing new and no file gone (the usual warm run): nothing to write, nothing to build.
      // A cache without a count (none yet, or written before it) is written when it holds
      // anything, so the next warm run can use the count.
      let present = 0;
      for (const file of current) if (files[file]) present++;
      const unchanged =
        count === undefined ? present === 0 && Object.keys(files).length === 0 : present === count;
      if (!dirty && unchanged) return;
      const kept: Record<string, Entry> = Object.create(null);
      let keptCount = 0;
      for (const file of current) {
        const entry = files[file];
        if (entry) {
          kept[file] = entry;
          keptCount++;
        }
      }
      const temp = tempFileName(path);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(
          temp,
          JSON.stringify({ key, count: keptCount, files: kept } satisfies CacheFile),
        );
        renameSync(temp, path);
      } catch {
        // A cache that cannot be written only costs time next run.
        rmSync(temp, { force: true });
      }
    },
  };
}
