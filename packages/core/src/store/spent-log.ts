/**
 * The lock's `spent` log: answers a provider billed that herogen did not store (refused as
 * unusable, or the disk would not take them). A stored image carries its cost in its own entry;
 * these would otherwise leave no trace of the money.
 */
import { updateLock } from '../lock/update-lock.js';
import type { SpentRecord } from '../types.js';

/** Append `record` to the lock's `spent` log. */
export async function recordSpent(lockPath: string, record: SpentRecord): Promise<void> {
  await updateLock(lockPath, (lock) => {
    lock.spent = [...(lock.spent ?? []), record];
  });
}
