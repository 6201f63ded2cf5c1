import { formatSummary, HerogenError, judgeRun, plural } from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { runWithProgress } from '../output/run-with-progress.js';
import { jobJson } from './plan.js';

/**
 * `herogen generate`: make what is missing. First Ctrl-C stops starting new images and waits
 * for running ones (they may already be paid for); a second Ctrl-C aborts those too.
 */
export async function generateCommand(flags: GlobalFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  try {
    const summary = await runWithProgress(flags, io, (options) => session.generate(options));
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            cached: summary.cached,
            generated: summary.generated,
            placeholders: summary.placeholders,
            failed: summary.failed,
            costUsd: summary.costUsd,
            costIsEstimate: summary.costIsEstimate,
            ...(summary.refused ? { refused: summary.refused } : {}),
            interrupted: summary.interrupted,
            results: summary.results.map((result) => ({
              ...jobJson(result.job),
              result: result.status,
              ...(result.entry ? { stored: result.entry.file } : {}),
              ...(result.spent ? { spent: result.spent } : {}),
              ...(result.error
                ? {
                    error: {
                      code: HerogenError.is(result.error) ? result.error.code : 'INTERNAL',
                      message: result.error.message,
                    },
                  }
                : {}),
            })),
          },
          null,
          2,
        )}\n`,
      );
    }
    const out = flags.json ? io.stderr : io.stdout;
    if (summary.interrupted) {
      const kept = summary.results.filter((result) => result.status === 'generated').length;
      out.write(
        `interrupted: kept ${plural(kept, 'image')} that arrived; run again to finish the rest\n`,
      );
    }
    if (summary.placeholders > 0 && summary.generated === 0 && summary.failed === 0) {
      out.write(
        'note: placeholders are offline art from the local provider, not AI images (set OPENAI_API_KEY or HIAPI_API_KEY to generate real ones)\n',
      );
    }
    out.write(`${formatSummary(summary).replaceAll(' · ', ', ')}\n`);
    // The builds' judgement, for its notes (an empty balance is billing, not a mistake); the
    // exit code below already fails on every failed image.
    for (const note of judgeRun(summary, { strict: false, onError: 'fail' }).warnings) {
      out.write(`note: ${note}\n`);
    }
    if (summary.interrupted) return EXIT.INTERRUPTED;
    const capped = summary.results.filter(
      (result) =>
        (result.status === 'failed' || result.status === 'skipped') &&
        HerogenError.is(result.error) &&
        result.error.code === 'BUDGET_EXCEEDED',
    );
    const otherFailures =
      summary.failed - capped.filter((result) => result.status === 'failed').length;
    if (otherFailures > 0) return EXIT.FAILED;
    if (capped.length > 0) {
      out.write(
        `stopped at the budget: ${plural(capped.length, 'image')} not made; raise the budget and run again\n`,
      );
      return EXIT.BUDGET;
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
