import type { Lock } from '../types.js';

/** A lock with no entries: what a missing lock file reads as. */
export function createEmptyLock(): Lock {
  return { version: 1, images: {}, pending: {} };
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(record).sort()) sorted[name] = sortKeysDeep(record[name]);
  return sorted;
}

/**
 * The bytes of `herogen.lock.json`: keys sorted at every depth, 2-space indent, trailing
 * newline, so the same lock always gives the same bytes and a git diff shows only real changes.
 */
export function serializeLock(lock: Lock): string {
  return `${JSON.stringify(sortKeysDeep(lock), null, 2)}\n`;
}
