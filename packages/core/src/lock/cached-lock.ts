import { statSync } from 'node:fs';
import type { Lock } from '../types.js';
import { readLock } from './read-lock.js';

/**
 * A `readLock` for hot paths (one call per content entry in a build): re-reads and re-parses
 * only when the file's mtime, size or inode changed, so a lock written by another process is
 * still picked up on the next call. Callers must not mutate the returned lock: it is shared.
 */
export function createCachedLockReader(lockPath: string): () => Promise<Lock> {
  let cached: { signature: string; lock: Promise<Lock> } | undefined;
  return async () => {
    let signature: string;
    try {
      // Sync (a few µs): this runs once per content entry, where a thread-pool round trip
      // each would queue behind the host's own file reads.
      const info = statSync(lockPath);
      signature = `${info.mtimeMs}:${info.size}:${info.ino}`;
    } catch {
      // Missing or unreadable: readLock gives the empty lock or the usual LOCK_IO error.
      cached = undefined;
      return readLock(lockPath);
    }
    if (cached?.signature !== signature) {
      // The promise is cached so concurrent callers share one read; a failure is not kept.
      const entry = { signature, lock: readLock(lockPath) };
      cached = entry;
      entry.lock.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.lock;
  };
}
