import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { originalsAt } from './original-file.js';

/**
 * Git LFS replaces a tracked file with a small text pointer until `git lfs pull` fetches the
 * bytes. A clone without LFS (or a CI checkout without `lfs: true`) leaves pointers where the
 * originals should be: herogen must say so, never take them for lost images and pay again.
 * The spec: https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md (first line, exact).
 */
const POINTER_FIRST_LINE = 'version https://git-lfs.github.com/spec/v1\n';

/** Pointers are about 130 bytes; the spec caps them at 1024. */
const LFS_POINTER_MAX_BYTES = 1024;

/** Whether these bytes are the start of a Git LFS pointer file. */
function startsAsLfsPointer(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).subarray(
    0,
    POINTER_FIRST_LINE.length,
  );
  return head.toString('latin1') === POINTER_FIRST_LINE;
}

/** Whether the file at `path` is a Git LFS pointer (reads its first line only). */
export function isLfsPointerFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stats = fstatSync(fd);
    const size = stats.size;
    if (!stats.isFile() || size > LFS_POINTER_MAX_BYTES || size < POINTER_FIRST_LINE.length)
      return false;
    const head = Buffer.alloc(POINTER_FIRST_LINE.length);
    const read = readSync(fd, head, 0, head.length, 0);
    return startsAsLfsPointer(head.subarray(0, read));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether a lock entry's original is still a pointer, reached through the checked reader: a
 * hand-edited lock naming a file outside the originals folder is never opened.
 */
export function isLfsPointerOriginal(
  root: string,
  outDir: string,
  file: string,
  key: string,
): boolean {
  const found = originalsAt(root, outDir).locateSync(file, key, 'image');
  return found.state === 'ok' && isLfsPointerFile(found.path);
}

/** What to do about originals that are still pointers. */
export const LFS_PULL_HINT =
  'run `git lfs pull` to fetch the originals (in CI, check out with LFS enabled, e.g. actions/checkout with `lfs: true`)';
