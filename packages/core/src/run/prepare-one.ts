import path from 'node:path';
import { HerogenError } from '../errors.js';
import { claimKey, type KeyClaim, resolveClaimDir } from '../lock/claim.js';
import { recoverIncoming } from '../store/recover-incoming.js';
import type { Job, JobResult, Lock } from '../types.js';
import type { RunState } from './run-state.js';

/** A job whose key this process holds, checked against the lock as it is now. */
export interface ReadyJob {
  claim: KeyClaim;
  lock: Lock;
}

/**
 * Claim the job's key and check nothing made the call unneeded meanwhile: another process
 * stored the image, or a killed run left it in the journal. Either way the job is settled
 * without a call (`result`); otherwise the claim is handed to `generateOne`.
 */
export async function prepareOne(
  job: Job,
  { context, options, emit, readCurrentLock }: RunState,
): Promise<{ result: JobResult } | ReadyJob> {
  const { lockPath, root } = context.layout;
  const claim = await claimKey(root, job.key, { signal: options.signal });
  if (!claim) {
    throw new HerogenError(
      'TIMEOUT',
      `Waited 900s for another herogen process that is generating image ${job.key}; giving up.`,
      {
        retryable: true,
        hint: `Run the build again once the other one finishes. If none is running, delete ${path.join(resolveClaimDir(root), `${job.key}.lock`)}.`,
      },
    );
  }
  let ready = false;
  try {
    // Another process may have stored this key before we held the claim.
    const lock = await readCurrentLock();
    const stored = lock.images[job.key];
    const newTake = options.newTakes?.includes(job.key) === true;
    if (stored && !stored.placeholder && job.status !== 'corrupt' && !newTake) {
      emit({ type: 'skipped', job, reason: 'stored by another run' });
      return { result: { key: job.key, status: 'cached', job, entry: stored } };
    }
    // A run killed after receiving this image left it in the write-ahead journal: record it
    // instead of paying again (this run holds the claim, so nobody else is storing it).
    const [recovered] = await recoverIncoming({
      root,
      lockPath,
      outDir: context.layout.outDir,
      logger: context.logger,
      keys: [job.key],
      claim: false,
    });
    if (recovered?.outcome === 'recorded' && recovered.entry) {
      emit({ type: 'skipped', job, reason: 'recovered from an interrupted run' });
      return { result: { key: job.key, status: 'cached', job, entry: recovered.entry } };
    }
    ready = true;
    return { claim, lock };
  } finally {
    if (!ready) await claim.release();
  }
}
