/**
 * Content warnings (a hero without alt…) said once per version of their file. A dev server
 * scans a saved post several times for one change (the loader's stand-in, the background
 * run, the refresh after it): each would repeat the same warning. Said again once the file
 * changes, so a save that still lacks the alt still says so.
 */
import path from 'node:path';
import { formatError, HerogenError } from '../errors.js';
import { sha256File } from '../fs/file-hash.js';

export type WarningFilter = (warnings: readonly Error[]) => Promise<Error[]>;

export function createWarningFilter(root: string): WarningFilter {
  /** Warning text → digest of its file when it was last said. */
  const said = new Map<string, string>();
  return async (warnings) => {
    const fresh: Error[] = [];
    for (const warning of warnings) {
      const text = formatError(warning);
      const file = HerogenError.is(warning) ? warning.location?.file : undefined;
      const digest = file
        ? await sha256File(path.resolve(root, file)).catch(() => 'unreadable')
        : 'no file';
      if (said.get(text) === digest) continue;
      said.set(text, digest);
      fresh.push(warning);
    }
    return fresh;
  };
}
