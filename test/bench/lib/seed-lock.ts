/**
 * Mark every hero of a site as already generated without generating anything: plan it with
 * core, write one small image per job under its key, and record each in the lock, as a real
 * `herogen generate` would have. Lets the scale benchmarks start from a warm, all-cached site.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createEmptyLock, createHerogen, type LockEntry, serializeLock } from '@herogen/core';

export interface SeedOptions {
  root: string;
  env: Record<string, string | undefined>;
  /** Bytes written for every original (a valid image; its size is recorded in the lock). */
  image: Uint8Array;
  width: number;
  height: number;
}

/** Returns the number of lock entries written. */
export async function seedLock(options: SeedOptions): Promise<number> {
  const session = await createHerogen({ root: options.root, env: options.env });
  const plan = await session.plan();
  const sha256 = createHash('sha256').update(options.image).digest('hex');
  const lock = createEmptyLock();
  const dirs = new Set<string>();
  for (const job of plan.jobs) dirs.add(path.dirname(path.join(options.root, job.file)));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  const createdAt = new Date('2025-03-01T12:00:00.000Z').toISOString();
  const batch = 256;
  for (let start = 0; start < plan.jobs.length; start += batch) {
    await Promise.all(
      plan.jobs.slice(start, start + batch).map(async (job, offset) => {
        await writeFile(path.join(options.root, job.file), options.image);
        const entry: LockEntry = {
          file: job.file,
          sha256,
          bytes: options.image.length,
          width: options.width,
          height: options.height,
          format: job.request.format,
          provider: job.request.provider,
          model: job.request.model,
          prompt: job.request.prompt,
          request: job.request,
          createdAt,
          costUsd: 0.05,
          costConfidence: 'exact',
          requestId: `req_bench_${start + offset}`,
        };
        lock.images[job.key] = entry;
      }),
    );
  }
  await writeFile(session.lockPath, serializeLock(lock));
  return plan.jobs.length;
}
