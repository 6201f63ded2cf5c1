import { HerogenError } from '../errors.js';
import type { Job } from '../types.js';

/** Shortest key prefix accepted on the command line (like a short git hash). */
export const MIN_KEY_PREFIX = 6;

/**
 * The job a review command names: a content file (root-relative POSIX path) whose hero it is,
 * or an image key (whole, or a unique prefix of at least 6 characters). Pure; throws a
 * `CONTENT_INVALID` error that says what would have matched.
 */
export function resolveReviewTarget(jobs: readonly Job[], target: string): Job {
  const byFile = jobs.filter((job) => job.sources.some((source) => source.file === target));
  if (byFile.length === 1) return byFile[0]!;
  if (byFile.length > 1) {
    throw new HerogenError(
      'CONTENT_INVALID',
      `${target} has ${byFile.length} heroes; name one by its key: ${byFile.map((job) => job.key).join(', ')}`,
    );
  }
  if (/^[0-9a-f]+$/.test(target) && target.length >= MIN_KEY_PREFIX) {
    const byKey = jobs.filter((job) => job.key.startsWith(target));
    if (byKey.length === 1) return byKey[0]!;
    if (byKey.length > 1) {
      throw new HerogenError(
        'CONTENT_INVALID',
        `the key prefix ${target} matches ${byKey.length} images; give more characters`,
      );
    }
  }
  throw new HerogenError(
    'CONTENT_INVALID',
    `no hero found for "${target}": expected a content file with a hero, or an image key used by one`,
    {
      hint: 'run `herogen plan` to list the content files and keys (paths are relative to the project root)',
    },
  );
}
