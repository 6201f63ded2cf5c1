/**
 * The frontmatter fields a job's heroes came from, with their mode, as the lock records them
 * (`LockEntry.fields`): prune reads them back to scan a field the config no longer names. Pure.
 */
import type { HeroField } from '../config/fields.js';
import type { Job, LockEntry } from '../types.js';

export function fieldsOfJob(
  job: Pick<Job, 'sources'>,
  configured: readonly HeroField[],
): NonNullable<LockEntry['fields']> {
  const fields: NonNullable<LockEntry['fields']> = {};
  for (const source of job.sources) {
    fields[source.field] = configured.find((field) => field.name === source.field)?.mode ?? 'hero';
  }
  return fields;
}
