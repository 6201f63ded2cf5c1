/**
 * The one gate to an original on disk. A lock entry is only a claim: anyone can edit the lock
 * (a pull request that touches nothing else is enough) or swap an original for a symlink. So
 * before herogen reads, hashes, copies, archives or deletes a file a lock entry names, the file
 * must be herogen's own: named like an original (`<outDir>/<key>.<ext>`, a candidate under
 * `variants/`, an earlier take under `history/<key>/`), a plain file, and, symlinks resolved,
 * inside the originals folder. Anything else is *tampered*: reported with why, never acted on.
 */
import { constants, lstatSync, realpathSync, statSync } from 'node:fs';
import { open, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { HerogenError } from '../errors.js';
import { sha256File } from '../fs/file-hash.js';
import { isInside, resolveInsideRoot, toRootRelative } from '../fs/path-safety.js';
import { HISTORY_DIR, VARIANTS_DIR } from '../fs/project-layout.js';
import { isCacheKey } from '../key/cache-key.js';

export { HISTORY_DIR, VARIANTS_DIR };

/** An original (current image or candidate) or an earlier take of one. */
export type OriginalKind = 'image' | 'history';

export type OriginalState =
  /** `path` is the real (symlink-free) path to read. */
  | { state: 'ok'; path: string; size: number }
  | { state: 'missing' }
  | { state: 'tampered'; why: string };

const TAKE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:png|webp|jpg|jpeg)$/;
/** `<key>.<ext>` or `variants/<key>.<ext>`; the key is captured and compared, not compiled in. */
const ORIGINAL_NAME = new RegExp(`^(?:${VARIANTS_DIR}/)?([^/]+)\\.(?:png|webp|jpg|jpeg)$`);

/**
 * Why `file` (root-relative POSIX, from a lock entry of `key`) is not named like an original in
 * `outDir` (root-relative POSIX); undefined when it is. Pure; runs once per lock entry on every
 * plan, so it builds no regular expression.
 */
export function originalNameProblem(
  file: string,
  key: string,
  outDir: string,
  kind: OriginalKind,
): string | undefined {
  return originalNameCheck(outDir)(file, key, kind);
}

/** `originalNameProblem` for one `outDir`, its prefix worked out once (one call per entry). */
function originalNameCheck(
  outDir: string,
): (file: string, key: string, kind: OriginalKind) => string | undefined {
  const base = outDir.replace(/\/+$/, '').replace(/^\.$/, '');
  const prefix = base === '' ? '' : `${base}/`;
  return (file, key, kind) => nameProblem(file, key, kind, prefix);
}

function nameProblem(
  file: string,
  key: string,
  kind: OriginalKind,
  prefix: string,
): string | undefined {
  if (!file.startsWith(prefix)) {
    return `it is not inside the originals folder ${prefix.slice(0, -1) || '.'}`;
  }
  const rest = file.slice(prefix.length);
  if (kind === 'image') {
    return ORIGINAL_NAME.exec(rest)?.[1] === key
      ? undefined
      : `it is not named like an original (${prefix}${key}.<ext> or ${prefix}${VARIANTS_DIR}/${key}.<ext>)`;
  }
  const parts = rest.split('/');
  const ok =
    parts.length === 3 && parts[0] === HISTORY_DIR && parts[1] === key && TAKE_NAME.test(parts[2]!);
  return ok
    ? undefined
    : `it is not named like an earlier take (${prefix}${HISTORY_DIR}/${key}/<name>.<ext>)`;
}

/** The originals folder of a project, and the checked ways to reach a file in it. */
export interface Originals {
  root: string;
  /** Absolute originals directory. */
  outDir: string;
  /** Root-relative POSIX originals directory. */
  outDirRel: string;
  /** Where a lock entry's file really is, or why it is not trusted. Reads nothing. */
  locate(file: string, key: string, kind: OriginalKind): Promise<OriginalState>;
  /** `locate`, synchronously (thousands of size checks per plan). */
  locateSync(file: string, key: string, kind: OriginalKind): OriginalState;
  /** The bytes of a trusted original; throws `ORIGINAL_UNTRUSTED` or `STORE_IO` otherwise. */
  read(file: string, key: string, kind: OriginalKind): Promise<Uint8Array>;
  /** `ok` when `remove` would delete the file: trusted, and its bytes still hash to `sha256`. */
  checkRemovable(
    file: string,
    key: string,
    kind: OriginalKind,
    sha256: string,
  ): Promise<OriginalState>;
  /**
   * Delete a trusted original whose bytes still hash to `sha256`. Never deletes anything else:
   * returns why not (`tampered`), or `missing`.
   */
  remove(file: string, key: string, kind: OriginalKind, sha256: string): Promise<OriginalState>;
}

/** `outDir` absolute or root-relative, inside `root`. */
export function originalsAt(root: string, outDir: string): Originals {
  const absoluteRoot = path.resolve(root);
  const absoluteOutDir = resolveInsideRoot(absoluteRoot, outDir, 'outDir');
  const outDirRel = toRootRelative(absoluteRoot, absoluteOutDir);
  let realRoot: string | undefined;
  try {
    realRoot = realpathSync.native(absoluteRoot);
  } catch {
    realRoot = undefined;
  }
  const folders = realFolders(absoluteOutDir, realRoot);

  const nameProblem = originalNameCheck(outDirRel);
  // `<root>/` to put before a root-relative name (POSIX: plain concatenation).
  const rootPrefix = path.sep === '/' && !absoluteRoot.endsWith('/') ? `${absoluteRoot}/` : '';
  const precheck = (file: string, key: string, kind: OriginalKind) => {
    const problem = nameProblem(file, key, kind);
    if (problem) return { state: 'tampered', why: problem } as const;
    // Named like an original of a well-formed key inside the (checked) originals folder: no
    // segment can climb out and every segment is normalised, so joining is enough (this runs
    // per lock entry on every plan).
    if (isCacheKey(key)) return rootPrefix ? rootPrefix + file : path.join(absoluteRoot, file);
    return resolveInsideRoot(absoluteRoot, file, 'lock entry file');
  };
  const judge = (real: string, outReal: string | undefined, stats: FoundFile): OriginalState =>
    judgeOriginal(real, { outReal, realRoot, outDirRel }, stats);

  const originals: Originals = {
    root: absoluteRoot,
    outDir: absoluteOutDir,
    outDirRel,
    async locate(file, key, kind) {
      const checked = precheck(file, key, kind);
      if (typeof checked !== 'string') return checked;
      try {
        const real = await realpath(checked);
        const outReal =
          folders.outReal() ??
          folders.setOutReal(await realpath(absoluteOutDir).catch(() => undefined));
        const stats = await stat(real);
        return judge(real, outReal, stats);
      } catch (error) {
        return missingOr(error);
      }
    },
    locateSync(file, key, kind) {
      const checked = precheck(file, key, kind);
      if (typeof checked !== 'string') return checked;
      try {
        let stats = lstatSync(checked, { throwIfNoEntry: false });
        if (!stats) return { state: 'missing' };
        let real: string;
        if (stats.isSymbolicLink()) {
          real = realpathSync.native(checked);
          stats = statSync(real);
        } else {
          const dir = folders.realDir(path.dirname(checked));
          if (dir === undefined) return { state: 'missing' };
          const name = checked.slice(checked.lastIndexOf(path.sep) + 1);
          real = dir.endsWith(path.sep) ? dir + name : `${dir}${path.sep}${name}`;
          if (folders.isTrusted(dir)) return plainFile(real, stats);
        }
        return judge(real, folders.outRealSync(), stats);
      } catch (error) {
        return missingOr(error);
      }
    },
    async read(file, key, kind) {
      const found = await originals.locate(file, key, kind);
      if (found.state !== 'ok') throw untrusted(file, key, found);
      // O_NOFOLLOW: a link swapped in after the check is refused, not followed.
      const handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
        (error: unknown) => {
          throw untrusted(file, key, missingOr(error));
        },
      );
      try {
        if (!(await handle.stat()).isFile()) {
          throw untrusted(file, key, { state: 'tampered', why: 'it is not a plain file' });
        }
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
    async checkRemovable(file, key, kind, sha256) {
      const found = await originals.locate(file, key, kind);
      if (found.state !== 'ok') return found;
      const actual = await sha256File(found.path).catch(() => undefined);
      if (actual === sha256) return found;
      return {
        state: 'tampered',
        why: 'its bytes no longer match the sha256 the lock records (edited or replaced)',
      };
    },
    async remove(file, key, kind, sha256) {
      const found = await originals.checkRemovable(file, key, kind, sha256);
      // The lock's path, not the real one: a symlink inside the folder goes, not its target.
      if (found.state === 'ok') await rm(path.resolve(absoluteRoot, file), { force: true });
      return found;
    },
  };
  return originals;
}

/**
 * Real paths of the folders holding originals, worked out once per folder: the real path of a
 * plain file is its folder's plus its name, so only a symlinked file needs a realpath of its own.
 * The originals folder may not exist yet (nothing generated): its real path is cached once it does.
 */
function realFolders(absoluteOutDir: string, realRoot: string | undefined) {
  let realOutDir: string | undefined;
  const realDirs = new Map<string, string>();
  // Real folders already found inside both the real originals folder and the real root: a
  // plain file named in one is too, so `judgeOriginal`'s two path comparisons run per folder,
  // not per original (they were a fifth of a large plan's stored-file check).
  const trustedDirs = new Set<string>();
  const folders = {
    outReal: () => realOutDir,
    setOutReal(real: string | undefined) {
      if (real !== undefined) realOutDir = real;
      return realOutDir;
    },
    realDir(dir: string): string | undefined {
      let real = realDirs.get(dir);
      if (real === undefined) {
        try {
          real = realpathSync.native(dir);
          realDirs.set(dir, real);
        } catch {
          // Not there (yet): asked again next time.
        }
      }
      return real;
    },
    outRealSync: () => realOutDir ?? folders.setOutReal(folders.realDir(absoluteOutDir)),
    isTrusted(dir: string): boolean {
      if (trustedDirs.has(dir)) return true;
      const outReal = folders.outRealSync();
      if (!outReal || !realRoot || !isInside(outReal, dir) || !isInside(realRoot, dir))
        return false;
      trustedDirs.add(dir);
      return true;
    },
  };
  return folders;
}

/** What `judgeOriginal` needs of a file's stats. */
interface FoundFile {
  isFile(): boolean;
  size: number;
}

/**
 * A file found at `real`: herogen's own only when it is a plain file inside the real originals
 * folder and the real project root (the originals folder itself may be a symlink, but only to a
 * folder inside the project).
 */
function judgeOriginal(
  real: string,
  dirs: { outReal: string | undefined; realRoot: string | undefined; outDirRel: string },
  stats: FoundFile,
): OriginalState {
  const { outReal, realRoot, outDirRel } = dirs;
  if (!outReal || !realRoot || !isInside(outReal, real) || !isInside(realRoot, real)) {
    return {
      state: 'tampered',
      why: `it leads (through a symlink) to ${real}, outside the originals folder ${outDirRel}`,
    };
  }
  return plainFile(real, stats);
}

/** A file found inside the originals folder: herogen's own only when it is a plain file. */
function plainFile(real: string, stats: FoundFile): OriginalState {
  if (!stats.isFile()) return { state: 'tampered', why: 'it is not a plain file' };
  return { state: 'ok', path: real, size: stats.size };
}

function missingOr(error: unknown): OriginalState {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing' };
  return { state: 'tampered', why: `it cannot be inspected (${code ?? String(error)})` };
}

/** The error for an original that cannot be read as herogen's own. */
export function untrusted(file: string, key: string, found: OriginalState): HerogenError {
  if (found.state === 'missing') {
    return new HerogenError('STORE_IO', `the original ${file} of image ${key} is missing`, {
      hint: `restore it with \`git checkout -- ${file}\``,
    });
  }
  const why = found.state === 'tampered' ? found.why : 'unknown';
  return new HerogenError(
    'ORIGINAL_UNTRUSTED',
    `herogen does not trust ${file} (image ${key}) as its own original: ${why}; it was not read`,
    {
      hint: `replace ${file} with the real image (\`git checkout -- ${file}\`), or delete it and its lock entry`,
    },
  );
}
