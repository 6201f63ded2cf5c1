import { existsSync, realpathSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { HerogenError } from '../errors.js';

/** True when `path` (absolute) is `root` itself or below it, comparing lexically. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Root-relative POSIX form of an absolute path inside the root (`''` for the root itself). */
export function toRootRelative(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** Root-relative POSIX form of an absolute path, `.` for the root itself (config, messages). */
export function toPosixRelative(root: string, path: string): string {
  return toRootRelative(root, path) || '.';
}

/**
 * Where `path` really lives once symlinks are followed: the real path of its nearest existing
 * ancestor with the rest appended. Sync because config is resolved once, at startup.
 */
export function realPathOfNearestSync(path: string): string {
  let current = resolve(path);
  let rest = '';
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return resolve(path);
    rest = rest
      ? `${current.slice(parent.length + 1)}${sep}${rest}`
      : current.slice(parent.length + 1);
    current = parent;
  }
  const real = realpathSync(current);
  return rest ? resolve(real, rest) : real;
}

/**
 * Resolve `path` (root-relative or absolute) against `root`, refusing anything that lands
 * outside it. `what` names the setting or field for the error message.
 */
export function resolveInsideRoot(root: string, path: string, what: string): string {
  const absolute = resolve(root, path);
  if (!isInside(resolve(root), absolute)) {
    throw new HerogenError(
      'PATH_OUTSIDE_ROOT',
      `${what} "${path}" points outside the project root ${root}; herogen only writes inside the project.`,
      { hint: `Use a path inside the project, relative to ${root}.` },
    );
  }
  return absolute;
}

/**
 * Follow symlinks: refuse when the nearest existing ancestor of `path` (or `path` itself)
 * really lives outside the root, e.g. an outDir that is a symlink to another directory.
 */
export async function assertRealPathInsideRoot(
  root: string,
  path: string,
  what: string,
): Promise<void> {
  const realRoot = await realpath(root);
  let current = resolve(path);
  for (;;) {
    try {
      const real = await realpath(current);
      if (!isInside(realRoot, real)) {
        throw new HerogenError(
          'PATH_OUTSIDE_ROOT',
          `${what} ${path} resolves through a symlink to ${real}, outside the project root ${root}; herogen refuses to write there.`,
          { hint: 'Replace the symlink with a real directory inside the project.' },
        );
      }
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      // A dangling symlink also reports ENOENT: where it points cannot be verified, so refuse.
      const link = await lstat(current).catch(() => undefined);
      if (link?.isSymbolicLink()) {
        throw new HerogenError(
          'PATH_OUTSIDE_ROOT',
          `${what} ${path} goes through ${current}, a symlink to a path that does not exist; herogen refuses to write through it.`,
          { hint: 'Replace the symlink with a real directory inside the project.' },
        );
      }
      const parent = dirname(current);
      if (parent === current) return;
      current = parent;
    }
  }
}
