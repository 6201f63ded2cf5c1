/**
 * The derivative disk cache: `<root>/node_modules/.cache/herogen/derive/<sha256>/`, one
 * directory per original with the encoded files and a `manifest.json` sidecar that records
 * the original's dimensions, the placeholder, the dominant colour and each file's size.
 * Deleting any of it only costs CPU time.
 */
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { cachePath } from '../fs/project-layout.js';
import { DERIVE_VERSION } from './defaults.js';
import { MAGIC_LENGTH, sniffFormat } from './magic.js';
import type { DeriveFormat, OriginalInfo } from './types.js';

export const MANIFEST_NAME = 'manifest.json';

export interface ManifestEntry {
  width: number;
  height: number;
  format: DeriveFormat;
  bytes: number;
}

export interface CacheManifest {
  version: number;
  original: OriginalInfo;
  dominantColor: string;
  /** Placeholder transform hash → data URI. */
  placeholders: Record<string, string>;
  /** File name → what was written. */
  entries: Record<string, ManifestEntry>;
}

export type EntryState = 'ok' | 'missing' | 'corrupt';

/** The derive cache directory of a project. */
export function resolveCacheDir(root: string): string {
  return cachePath(root, 'derive');
}

export function originalDir(cacheDir: string, sha256: string): string {
  return join(cacheDir, sha256);
}

/**
 * Write a cache file atomically (temp file and rename), creating its folder. No fsync, unlike
 * originals: an entry lost to a power cut is found by `verifyEntry` and rebuilt.
 */
export async function writeCacheFile(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, data, { durable: false });
}

function isManifest(value: unknown): value is CacheManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<CacheManifest>;
  return (
    m.version === DERIVE_VERSION &&
    typeof m.original?.width === 'number' &&
    typeof m.original.height === 'number' &&
    typeof m.original.sha256 === 'string' &&
    typeof m.dominantColor === 'string' &&
    typeof m.placeholders === 'object' &&
    m.placeholders !== null &&
    typeof m.entries === 'object' &&
    m.entries !== null
  );
}

/** The manifest of an original, or undefined when absent, unreadable or from another version. */
export async function readManifest(
  dir: string,
  sha256: string,
): Promise<CacheManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_NAME), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isManifest(value) && value.original.sha256 === sha256 ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function writeManifest(dir: string, manifest: CacheManifest): Promise<void> {
  await writeCacheFile(join(dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Cheap check that a cached file is what the manifest says: same size, and its first bytes
 * announce the right format. Catches truncation and foreign or garbage content.
 */
export async function verifyEntry(path: string, entry: ManifestEntry): Promise<EntryState> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 'missing';
  }
  if (size !== entry.bytes || size < MAGIC_LENGTH) return 'corrupt';
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(MAGIC_LENGTH);
    await handle.read(head, 0, MAGIC_LENGTH, 0);
    return sniffFormat(head) === entry.format ? 'ok' : 'corrupt';
  } finally {
    await handle.close();
  }
}
