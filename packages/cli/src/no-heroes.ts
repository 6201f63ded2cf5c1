import { describeConfigSource, describeFields, HerogenError, type Lock } from '@herogen/core';
import type { openSession } from './context.js';

type Session = Awaited<ReturnType<typeof openSession>>;

/**
 * The scan found no hero while the lock records images: the CLI is almost surely reading
 * another configuration than the build (`field`, `content`), so `check` must not pass and
 * `prune` must not offer to delete every original. Undefined when that is not the case.
 */
export function noHeroesError(
  session: Session,
  heroes: number,
  files: number,
  lock: Lock,
): HerogenError | undefined {
  const recorded = Object.keys(lock.images).length;
  if (heroes > 0 || recorded === 0) return undefined;
  const content = [session.config.content].flat().join(', ');
  return new HerogenError(
    'CONFIG_INVALID',
    `the scan found no heroes in ${files} content file${files === 1 ? '' : 's'}, but ${session.config.lockFile} records ${recorded} image${recorded === 1 ? '' : 's'}; is \`field\` right? herogen read the configuration from ${describeConfigSource(session.configSource)}: field ${describeFields(session.config.field)}, content ${content}.`,
    {
      hint: 'Set `field` (and `content`) where the build reads them: herogen() in astro.config.* / vite.config.*, or herogen.config.*. If every hero really is gone, delete the originals and the lock by hand.',
    },
  );
}
