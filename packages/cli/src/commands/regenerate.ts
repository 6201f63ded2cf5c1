import path from 'node:path';
import {
  formatSummary,
  formatUsd,
  HerogenError,
  type Job,
  type JobResult,
  regenerateHeroes,
  resolveReviewTarget,
  sourcesText,
} from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { runWithProgress } from '../output/run-with-progress.js';
import { jobJson } from './plan.js';

/**
 * `herogen regenerate <file|key>…`: pay for a new take of stored images. The key and path stay
 * the same (the site keeps pointing at the same file); the previous original is kept under
 * `<outDir>/history/<key>/` and listed in the lock's `history`. Budget, frozen and strict apply.
 */
export async function regenerateCommand(
  targets: readonly string[],
  flags: GlobalFlags,
  io: CliIO,
): Promise<ExitCode> {
  if (targets.length === 0) {
    io.stderr.write('herogen regenerate: name a content file or an image key\n');
    return EXIT.INVALID;
  }
  const session = await openSession(flags, io);
  try {
    const plan = await session.plan();
    const jobs = targets.map((target) => resolveTarget(plan.jobs, target, session.root, io));
    const { summary, results: regenerated } = await runWithProgress(flags, io, (options) =>
      regenerateHeroes(session, jobs, options),
    );
    const previous = (key: string) => regenerated.find((item) => item.result.key === key)?.previous;
    const results = regenerated.map((item) => item.result);
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            costUsd: summary.costUsd,
            costIsEstimate: summary.costIsEstimate,
            results: results.map((result) => ({
              ...resultJson(result),
              previous: (result.status === 'generated' && previous(result.key)) || null,
            })),
          },
          null,
          2,
        )}\n`,
      );
    }
    const out = flags.json ? io.stderr : io.stdout;
    for (const result of results) {
      const kept = result.status === 'generated' ? previous(result.key) : undefined;
      if (result.status === 'generated' && result.entry) {
        out.write(
          `new take of ${sourcesText(result.job)} → ${result.entry.file} (${formatUsd(result.entry.costUsd, result.entry.costConfidence !== 'exact')})${kept ? `; the previous take is kept at ${kept.file}` : ''}\n`,
        );
      } else if (result.status === 'failed' || result.status === 'skipped') {
        out.write(
          `no new take of ${sourcesText(result.job)}; the current image is unchanged${result.error ? ` (${result.error.message})` : ''}\n`,
        );
      }
    }
    out.write(`${formatSummary(summary).replaceAll(' · ', ', ')}\n`);
    if (summary.interrupted) return EXIT.INTERRUPTED;
    return summary.failed > 0 || results.some((r) => r.status === 'skipped')
      ? EXIT.FAILED
      : EXIT.OK;
  } finally {
    await session.close();
  }
}

/**
 * A command-line target: a content file relative to the working directory (or the root), or
 * an image key (or a unique prefix).
 */
export function resolveTarget(jobs: readonly Job[], target: string, root: string, io: CliIO): Job {
  const fromCwd = path.relative(root, path.resolve(io.cwd, target)).split(path.sep).join('/');
  if (
    !fromCwd.startsWith('..') &&
    jobs.some((job) => job.sources.some((s) => s.file === fromCwd))
  ) {
    return resolveReviewTarget(jobs, fromCwd);
  }
  return resolveReviewTarget(jobs, target.split(path.sep).join('/'));
}

export function resultJson(result: JobResult) {
  return {
    ...jobJson(result.job),
    result: result.status,
    ...(result.entry ? { stored: result.entry.file, costUsd: result.entry.costUsd } : {}),
    ...(result.error
      ? {
          error: {
            code: HerogenError.is(result.error) ? result.error.code : 'INTERNAL',
            message: result.error.message,
          },
        }
      : {}),
  };
}
