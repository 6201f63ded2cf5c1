import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Session } from '../registry.js';

/**
 * What, besides an entry's own file, decides the hero it should hold: the resolved config, the
 * default provider (it changes when an API key appears) and the lock (placeholders replaced,
 * images stored). While this stays the same, stored entries cannot have gone stale.
 */
export async function computeFingerprint(session: Session): Promise<string> {
  const lock = await stat(session.lockPath).catch(() => undefined);
  const config = JSON.stringify(session.config, (_key, value: unknown) =>
    typeof value === 'function' ? String(value) : value,
  );
  return createHash('sha256')
    .update(config)
    .update(`\0${session.registry.defaultId}\0${lock ? `${lock.size}:${lock.mtimeMs}` : 'none'}`)
    .digest('hex')
    .slice(0, 32);
}
