import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** True when absolute `path` is `parent` itself or below it, comparing lexically. */
export function isInsideDirectory(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Root-relative POSIX form of an absolute path (`.` for the root itself). */
export function toPosixRelative(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' ? '.' : rel.split(sep).join('/');
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
