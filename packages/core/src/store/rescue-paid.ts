/**
 * The last place for a paid image when the project's disk refuses it (full, read-only): a
 * folder in the OS temp dir, outside the project. Named `<key>-<sha256 prefix>.<ext>`, so a
 * rerun finds it by key (and adopts it, see run/adopt-unlisted.ts) and a rerun hitting the same
 * wall keeps one copy.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { imageExtension, isCacheKey } from '../key/cache-key.js';
import type { ImageFormat } from '../types.js';

/** `<os temp dir>/herogen-rescued`. */
export function rescueDir(): string {
  return join(tmpdir(), 'herogen-rescued');
}

/** Write a checked image there; its path, or the error code that stopped it. */
export async function rescuePaidImage(
  key: string,
  bytes: Uint8Array,
  format: ImageFormat,
): Promise<{ path: string } | { failed: string }> {
  const path = join(
    rescueDir(),
    `${key}-${sha256Hex(bytes).slice(0, 16)}.${imageExtension(format)}`,
  );
  try {
    // Private: the temp dir is shared, and a rerun adopts what it finds here.
    await mkdir(rescueDir(), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, bytes);
    return { path };
  } catch (error) {
    return { failed: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

/**
 * Rescued images by key. Only plain files of this user, in a folder of this user (another user
 * of a shared temp dir must not be able to plant an image that a rerun adopts).
 */
export async function listRescued(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const mine = async (path: string, kind: 'file' | 'dir') => {
    const stats = await lstat(path).catch(() => undefined);
    if (!stats || (kind === 'file' ? !stats.isFile() : !stats.isDirectory())) return false;
    return process.getuid === undefined || stats.uid === process.getuid();
  };
  if (!(await mine(rescueDir(), 'dir'))) return found;
  for (const name of (await readdir(rescueDir())).sort()) {
    const match = /^(.+)-[0-9a-f]{16}\.(?:png|webp|jpg)$/.exec(name);
    const path = join(rescueDir(), name);
    if (match && isCacheKey(match[1]!) && (await mine(path, 'file'))) found.set(match[1]!, path);
  }
  return found;
}
