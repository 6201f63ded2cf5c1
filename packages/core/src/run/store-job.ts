import { fieldsOfJob } from '../plan/job-fields.js';
import { type StoreOriginalOptions, storeOriginal } from '../store/store-original.js';
import type { GeneratedImage, Job, LockEntry } from '../types.js';
import type { RunContext } from './run-state.js';

/** Store an image as the original of the job's key, with the fields that asked for it. */
export function storeJobImage(
  job: Job,
  image: GeneratedImage,
  context: RunContext,
  how: Pick<StoreOriginalOptions, 'logger' | 'placeholder' | 'recordInLock'>,
): Promise<LockEntry> {
  return storeOriginal({
    root: context.layout.root,
    outDir: context.layout.outDir,
    key: job.key,
    request: job.request,
    image,
    lockPath: context.layout.lockPath,
    fields: fieldsOfJob(job, context.config.field),
    ...how,
  });
}
