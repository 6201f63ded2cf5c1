import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

/** `.<base>.<pid>.<random>.tmp`: the shape of every temp file `writeFileAtomic` creates. */
const TEMP_PATTERN = /^\.(.+)\.(\d+)\.([0-9a-f]{12})\.tmp$/;

/** A temp file left behind by a writer that is gone (or took far too long): safe to delete. */
export interface TempFileInfo {
  path: string;
  /** Process that was writing it. */
  pid: number;
  /** Milliseconds since it was last modified. */
  ageMs: number;
}

export interface StaleTempOptions {
  /** A temp file older than this is stale even if a process with its pid is alive. @default 600_000 */
  maxAgeMs?: number;
}

/** Name of a fresh temp file beside `target`. */
export function tempFileName(target: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

export interface AtomicWriteOptions {
  /**
   * fsync the file and its directory, so the write also survives a power cut. Off only for
   * caches that check and rebuild their entries (derivatives), where syncing thousands of files
   * would slow every build. @default true
   */
  durable?: boolean;
}

/**
 * Write `bytes` to `path` so readers see either the old file or the complete new one, never a
 * partial file, even if the process is killed or the machine loses power mid-write: write a
 * temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 * The temp file is removed on any failure. The directory must exist.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const durable = options.durable ?? true;
  const temp = tempFileName(path);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    if (durable) await syncDirectory(dirname(path));
  } catch (error) {
    if (!renamed) await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/**
 * `writeFileAtomic` for the writes a kill must never lose (the journal of a just-paid image):
 * the temp file is written and renamed into place before this returns, without waiting behind
 * other file work in libuv's thread pool, so a killed process leaves the whole file (the kernel
 * has it). The fsyncs that protect it from a power loss run in the thread pool, off the main
 * thread: the returned promise settles once the file is on the disk. The directory must exist.
 */
export function writeFileAtomicNow(
  path: string,
  data: Uint8Array | string | readonly (Uint8Array | string)[],
): { durable: Promise<void> } {
  const chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  const temp = tempFileName(path);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      // writeFileSync on a descriptor writes at its position and retries short writes.
      for (const chunk of chunks) writeFileSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return { durable: syncWrittenFile(path) };
}

/**
 * fsync a file written by `writeFileAtomicNow`, then its directory. A file already gone (it
 * was consumed, or its folder removed) needs no flushing.
 */
async function syncWrittenFile(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Make a rename durable. Some platforms cannot open or fsync a directory; that is not fatal. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}

/**
 * Leftover temp files of `writeFileAtomic` in `directory` (not recursive): those whose writer
 * process is gone or that are older than `maxAgeMs`. Other files are never listed.
 */
export async function listStaleTempFiles(
  directory: string,
  options: StaleTempOptions = {},
): Promise<TempFileInfo[]> {
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    // No directory (or a file in its place): no temp files to clean there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const found: TempFileInfo[] = [];
  const now = Date.now();
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    if (!match) continue;
    const path = join(directory, name);
    const stats = await lstat(path).catch(() => undefined);
    if (!stats?.isFile()) continue;
    const pid = Number(match[2]);
    const ageMs = Math.max(0, now - stats.mtimeMs);
    if (ageMs > maxAgeMs || !isProcessAlive(pid)) found.push({ path, pid, ageMs });
  }
  return found;
}

/** Delete temp files left by killed writers; returns the paths removed. */
export async function removeStaleTempFiles(
  directory: string,
  options: StaleTempOptions = {},
): Promise<string[]> {
  const stale = await listStaleTempFiles(directory, options);
  for (const info of stale) await rm(info.path, { force: true });
  return stale.map((info) => info.path);
}
