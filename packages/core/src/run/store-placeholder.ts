import type { HerogenError } from '../errors.js';
import { withKeyClaim } from '../lock/claim.js';
import { readLock } from '../lock/read-lock.js';
import { renderPlaceholder } from '../providers/local.js';
import { checkStoredFile } from '../store/check-stored.js';
import type { Job, JobResult, LockEntry, SpentRecord } from '../types.js';
import { asHerogenError } from './job-error.js';
import type { RunState } from './run-state.js';
import { storeJobImage } from './store-job.js';

/** Store offline art under the job's key so the site still builds, and report the failure. */
export async function storePlaceholder(
  job: Job,
  error: HerogenError,
  { context, emit }: RunState,
  options: { recordInLock: boolean; quiet?: boolean; spent?: SpentRecord | undefined },
): Promise<JobResult> {
  const spent = options.spent ? { spent: options.spent } : {};
  let entry: LockEntry | undefined;
  try {
    // Under the key's claim and against the lock as it is now: another run may have paid for
    // this image meanwhile, and a stand-in must never replace a real image.
    const kept = await withKeyClaim(context.layout.root, job.key, {}, async () => {
      const lock = await readLock(context.layout.lockPath);
      const current = lock.images[job.key];
      if (current && !current.placeholder) {
        const state = await checkStoredFile(
          context.layout.root,
          context.layout.outDir,
          job.key,
          current,
        );
        if (state === 'ok') return current;
      }
      const image = await renderPlaceholder(job.request);
      entry = await storeJobImage(job, image, context, {
        placeholder: { reason: `${error.code}: ${error.message}` },
        recordInLock: options.recordInLock,
      });
      return undefined;
    });
    if (kept) {
      emit({ type: 'skipped', job, reason: 'stored by another run' });
      return { key: job.key, status: 'cached', job, entry: kept };
    }
  } catch (storeError) {
    context.logger.warn(
      `could not store a placeholder for ${job.file}: ${asHerogenError(storeError).message}`,
    );
  }
  if (options.quiet) {
    emit({ type: 'skipped', job, reason: error.message });
    return { key: job.key, status: 'placeholder', job, ...(entry ? { entry } : {}), error };
  }
  emit({ type: 'failed', job, error, placeholder: entry, ...spent });
  return { key: job.key, status: 'failed', job, ...(entry ? { entry } : {}), error, ...spent };
}
