import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Image mode: whether a plain string in the field names a file, resolved from the content
 * file's folder the way Astro's `image()` resolves it. Only asked for strings that do not look
 * like a path, so it costs one `stat` for the rare value that is neither path nor prompt.
 */
export function isFileNextTo(contentFile: string, path: string): boolean {
  return (
    statSync(resolve(dirname(contentFile), path), { throwIfNoEntry: false })?.isFile() === true
  );
}
