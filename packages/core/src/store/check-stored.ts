import { lstatSync, realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import pLimit from 'p-limit';
import { sha256File } from '../fs/file-hash.js';
import { isInside, resolveInsideRoot } from '../fs/path-safety.js';
import { isRootRelativePath } from '../lock/schema.js';
import type { Lock, LockEntry, StoredFileState } from '../types.js';
import { loadSharp } from './load-sharp.js';

export interface CheckStoredOptions {
  /** Also hash every file (slow, reads everything); otherwise compare sizes only. */
  hash?: boolean;
  /** Files checked at once. @default 32 */
  concurrency?: number;
}

/** What `verifyOriginals` found for one key. */
export interface VerifyResult {
  key: string;
  /** Root-relative POSIX path from the lock. */
  file: string;
  state: StoredFileState;
  expectedSha256: string;
  /** Undefined when the file is missing or unreadable. */
  actualSha256: string | undefined;
  expectedBytes: number;
  actualBytes: number | undefined;
}

interface Inspection {
  state: StoredFileState;
  actualBytes: number | undefined;
  actualSha256: string | undefined;
}

async function inspectStored(
  root: string,
  realRoot: string,
  entry: LockEntry,
  hash: boolean,
): Promise<Inspection> {
  const path = resolveInsideRoot(root, entry.file, 'lock entry file');
  let size: number;
  try {
    // A symlink to a file elsewhere is not an original in the project: never read it.
    if (!isInside(realRoot, await realpath(path))) {
      return { state: 'corrupt', actualBytes: undefined, actualSha256: undefined };
    }
    const stats = await stat(path);
    if (!stats.isFile())
      return { state: 'corrupt', actualBytes: undefined, actualSha256: undefined };
    size = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { state: 'missing', actualBytes: undefined, actualSha256: undefined };
    }
    return { state: 'corrupt', actualBytes: undefined, actualSha256: undefined };
  }
  if (size !== entry.bytes) return { state: 'corrupt', actualBytes: size, actualSha256: undefined };
  if (!hash) return { state: 'ok', actualBytes: size, actualSha256: undefined };
  const actualSha256 = await sha256File(path).catch(() => undefined);
  // A hand-edited lock can vouch for any bytes: the file must also be the image it describes.
  const ok = actualSha256 === entry.sha256 && (await headerMatches(path, entry));
  return { state: ok ? 'ok' : 'corrupt', actualBytes: size, actualSha256 };
}

/** What `sizeState` needs about the root, worked out once per check. */
interface SizeContext {
  /** Absolute, as `path.resolve` gives it. */
  root: string;
  /** `root` with one trailing separator: every path strictly inside starts with it. */
  prefix: string;
  realRoot: string;
  /** Per directory: whether a plain file in it is inside the real root. */
  dirs: Map<string, boolean>;
}

function createSizeContext(root: string, realRoot: string): SizeContext {
  return { root, prefix: root.endsWith(sep) ? root : `${root}${sep}`, realRoot, dirs: new Map() };
}

/**
 * `inspectStored` without hashing, synchronously. The real path of a plain file is its
 * directory's real path plus its name, so it is inside the root exactly when its directory is:
 * that is worked out once per directory. Only a symlinked file needs a realpath of its own.
 */
function sizeState(context: SizeContext, entry: LockEntry): StoredFileState {
  const { root, prefix } = context;
  // A lock entry's path is root-relative with no "", "." or ".." segment (lock validation):
  // joined to the root it is already what resolve() would give. Anything else is resolved,
  // and refused by resolveInsideRoot (with its error) when it lands outside the root.
  const path = isRootRelativePath(entry.file)
    ? `${prefix}${sep === '/' ? entry.file : entry.file.replaceAll('/', sep)}`
    : resolve(root, entry.file);
  if (!path.startsWith(prefix)) resolveInsideRoot(root, entry.file, 'lock entry file');
  try {
    let stats = lstatSync(path, { throwIfNoEntry: false });
    if (!stats) return 'missing';
    let inside: boolean;
    if (stats.isSymbolicLink()) {
      inside = isInside(context.realRoot, realpathSync.native(path));
      stats = statSync(path);
    } else {
      // Strictly below the root, so the name after the last separator is a plain segment.
      const cut = path.lastIndexOf(sep);
      const dir = cut < prefix.length ? root : path.slice(0, cut);
      let known = context.dirs.get(dir);
      if (known === undefined) {
        known = isInside(context.realRoot, join(realpathSync.native(dir), basename(path)));
        context.dirs.set(dir, known);
      }
      inside = known;
    }
    // A symlink to a file elsewhere is not an original in the project: never read it.
    if (!inside || !stats.isFile()) return 'corrupt';
    return stats.size === entry.bytes ? 'ok' : 'corrupt';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'corrupt';
  }
}

/** The file's image header says the format and size the lock records (header only, cheap). */
async function headerMatches(path: string, entry: LockEntry): Promise<boolean> {
  try {
    const sharp = await loadSharp();
    const meta = await sharp(path).metadata();
    return (
      meta.format === entry.format && meta.width === entry.width && meta.height === entry.height
    );
  } catch {
    return false;
  }
}

/** The state of one stored original, by size (no hashing). */
export async function checkStoredFile(
  root: string,
  key: string,
  entry: LockEntry,
): Promise<StoredFileState> {
  const lock: Lock = { version: 1, images: { [key]: entry }, pending: {} };
  return (await checkStoredFiles(root, lock)).get(key) ?? 'missing';
}

/**
 * For every lock entry, whether its original is on disk intact: `missing` when gone,
 * `corrupt` when its size differs (or, with `hash`, its sha256), or when it resolves outside
 * the project. Thousands of entries take milliseconds.
 */
export async function checkStoredFiles(
  root: string,
  lock: Lock,
  options: CheckStoredOptions = {},
): Promise<Map<string, StoredFileState>> {
  const keys = Object.keys(lock.images).sort();
  const realRoot = await realpath(root);
  if (!options.hash) {
    // Sizes only (every plan and build): sync calls, a few µs each instead of a thread-pool
    // round trip, with a yield to the event loop between batches.
    const states = new Map<string, StoredFileState>();
    const context = createSizeContext(resolve(root), realRoot);
    for (const [index, key] of keys.entries()) {
      if (index % 512 === 511) await new Promise<void>((done) => setImmediate(done));
      states.set(key, sizeState(context, lock.images[key]!));
    }
    return states;
  }
  const limit = pLimit(options.concurrency ?? 32);
  const states = await Promise.all(
    keys.map((key) =>
      limit(() => inspectStored(root, realRoot, lock.images[key]!, options.hash ?? false)),
    ),
  );
  return new Map(keys.map((key, index) => [key, states[index]!.state]));
}

/** Hash every stored original against the lock (`herogen verify`), sorted by key. */
export async function verifyOriginals(
  root: string,
  lock: Lock,
  options: Omit<CheckStoredOptions, 'hash'> = {},
): Promise<VerifyResult[]> {
  const limit = pLimit(options.concurrency ?? 8);
  const keys = Object.keys(lock.images).sort();
  const realRoot = await realpath(root);
  return Promise.all(
    keys.map((key) =>
      limit(async () => {
        const entry = lock.images[key]!;
        const found = await inspectStored(root, realRoot, entry, true);
        // A size mismatch skips hashing in inspectStored; verify reports the real hash anyway.
        const actualSha256 =
          found.actualSha256 ??
          (found.actualBytes === undefined
            ? undefined
            : await sha256File(resolveInsideRoot(root, entry.file, 'lock entry file')).catch(
                () => undefined,
              ));
        return {
          key,
          file: entry.file,
          state: found.state,
          expectedSha256: entry.sha256,
          actualSha256,
          expectedBytes: entry.bytes,
          actualBytes: found.actualBytes,
        };
      }),
    ),
  );
}
