/**
 * Which fields `prune` must scan: the configured ones, plus every field the lock records an
 * image (or an earlier take) was asked from. After `field` changes (`heroImage` → `hero`),
 * content that still uses the old field keeps its images. Pure.
 */
import type { HeroField } from '../config/fields.js';
import type { Lock } from '../types.js';

export function fieldsToScan(lock: Lock, configured: readonly HeroField[]): HeroField[] {
  const fields = [...configured];
  const entries = [...Object.values(lock.images), ...Object.values(lock.history ?? {}).flat()];
  for (const entry of entries) {
    for (const [name, mode] of Object.entries(entry.fields ?? {})) {
      if (!fields.some((field) => field.name === name)) fields.push({ name, mode });
    }
  }
  return fields;
}
