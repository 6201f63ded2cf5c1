/**
 * Before a run decides what to pay for: paid originals that sit in outDir under a key the lock
 * does not list (the lock was emptied, deleted, or reverted) are adopted into the lock instead
 * of being paid for again and overwritten; so are paid images a run whose disk was full saved in
 * the OS temp dir. A missing lock and an empty (0-byte or blank) one are
 * the same: an empty lock, with a warning that names which it was.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { withKeyClaim } from '../lock/claim.js';
import { adoptOriginal } from '../store/adopt-original.js';
import { listRescued } from '../store/rescue-paid.js';
import { plural } from '../text/plural.js';
import { printablePath } from '../text/printable.js';
import type { Job, Logger, ProjectLayout, ProviderRegistry } from '../types.js';

export interface AdoptContext {
  layout: Pick<ProjectLayout, 'root' | 'outDir' | 'lockPath'>;
  registry: ProviderRegistry;
  logger: Logger;
}

/** `jobs`, with each adopted one turned `cached` (with its new entry). */
export async function adoptUnlisted(
  jobs: readonly Job[],
  context: AdoptContext,
  signal?: AbortSignal,
): Promise<Job[]> {
  const { logger } = context;
  const { root } = context.layout;
  // Only a paid image is worth adopting; only a file that exists is worth a claim (a stat each).
  const unlisted = jobs.filter(
    (job) =>
      job.status === 'missing' &&
      !job.entry &&
      context.registry.get(job.request.provider)?.paid === true,
  );
  // Saved to the temp dir by a run whose disk was full (`rescue-paid.ts`).
  const rescued = unlisted.length > 0 ? await listRescued() : new Map<string, string>();
  const candidates = unlisted.filter(
    (job) => rescued.has(job.key) || existsSync(path.resolve(root, job.file)),
  );
  if (candidates.length === 0) return [...jobs];
  const lockState = await describeLock(context.layout.lockPath);
  const adopted = new Map<Job, Job>();
  for (const job of candidates) {
    const result = await withKeyClaim(root, job.key, signal ? { signal } : {}, () =>
      adoptOriginal({
        root,
        outDir: context.layout.outDir,
        lockPath: context.layout.lockPath,
        key: job.key,
        request: job.request,
        ...(rescued.has(job.key) ? { rescued: rescued.get(job.key)! } : {}),
      }),
    ).catch((error: unknown) => {
      // Storing a new image still keeps this file first (see store-original.ts).
      logger.warn(
        `could not adopt ${job.file} into the lock: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    });
    if (result?.outcome === 'adopted') {
      adopted.set(job, {
        ...job,
        status: 'cached',
        entry: result.entry,
        file: result.entry.file,
        estimate: { usd: 0, confidence: 'exact' },
      });
      logger.info(
        `adopted   ${printablePath(job.sources[0]?.file ?? job.key)} → ${result.entry.file} (${rescued.has(job.key) ? `saved at ${rescued.get(job.key)} when the disk was full` : 'found in the originals folder, not in the lock'}; recorded as recovered, cost unknown)`,
      );
    } else if (result?.outcome === 'refused') {
      logger.warn(
        `${result.file} is not the image this hero asks for (${result.why.replace(/\.$/, '')}); a new one is made, and the file is kept in the history folder (or the rejected folder) before it is replaced`,
      );
    }
  }
  const count = adopted.size;
  if (count > 0) {
    logger.warn(
      `${path.basename(context.layout.lockPath)} ${lockState}: adopted ${plural(count, 'paid original')} instead of paying for ${count === 1 ? 'it' : 'them'} again. Their cost is unknown; commit the lock to keep the record.`,
    );
  }
  return jobs.map((job) => adopted.get(job) ?? job);
}

/** How the lock lost these entries, for the warning: missing, empty, or just not listing them. */
async function describeLock(lockPath: string): Promise<string> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (text === undefined) return 'was missing (read as an empty lock)';
  if (text.trim() === '') return 'was empty (read as an empty lock)';
  return 'did not list them';
}
