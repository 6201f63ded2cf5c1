import {
  formatSummary,
  formatUsd,
  generateVariants,
  MAX_CANDIDATES,
  sourcesText,
} from '@herogen/core';
import { type CliIO, createLogger, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { runWithProgress } from '../output/run-with-progress.js';
import { formatTable } from '../output/table.js';
import { resolveTarget, resultJson } from './regenerate.js';

export interface VariantsFlags extends GlobalFlags {
  count?: number | string;
}

/**
 * `herogen variants <file> -n 4`: candidates 1..n of a hero (its request with `variant` = 1..n),
 * each paid once and stored under `<outDir>/variants/`, then listed. The hero's own image and
 * frontmatter are untouched until `herogen pick`. Running it again pays only for new numbers.
 */
export async function variantsCommand(
  target: string | undefined,
  flags: VariantsFlags,
  io: CliIO,
): Promise<ExitCode> {
  const count = Number(flags.count ?? 4);
  if (!target || !Number.isInteger(count) || count < 1 || count > MAX_CANDIDATES) {
    io.stderr.write(
      `herogen variants <file|key> [-n 1..${MAX_CANDIDATES}]: ${target ? `-n must be a whole number from 1 to ${MAX_CANDIDATES}` : 'name a content file or an image key'}\n`,
    );
    return EXIT.INVALID;
  }
  const session = await openSession(flags, io);
  try {
    const plan = await session.plan();
    const main = resolveTarget(plan.jobs, target, session.root, io);
    const logger = createLogger(io, flags.json === true);
    const { summary, candidates: rows } = await runWithProgress(flags, io, (options) =>
      generateVariants(session, main, count, { ...options, logger }),
    );
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            key: main.key,
            sources: main.sources.map((source) => source.file),
            generated: summary.generated,
            costUsd: summary.costUsd,
            candidates: rows,
            results: summary.results.map(resultJson),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const out = io.stdout;
      out.write(
        `candidates for ${sourcesText(main)} (${main.request.provider} ${main.request.model}):\n`,
      );
      out.write(
        `${formatTable(
          ['n', 'file', 'status', 'cost', 'created'],
          rows.map((row) => [
            `${row.n}${row.current ? '*' : ''}`,
            row.file,
            row.placeholder ? 'placeholder' : 'ok',
            formatUsd(row.costUsd),
            row.createdAt.slice(0, 16).replace('T', ' '),
          ]),
        )}\n`,
      );
      if (rows.some((row) => row.current)) out.write('* = the image the post shows now\n');
      const file = main.sources[0]?.file ?? main.key;
      out.write(
        `pin one with \`herogen pick ${file} <n>\`; compare them side by side with \`herogen report\`\n`,
      );
      out.write(`${formatSummary(summary).replaceAll(' · ', ', ')}\n`);
    }
    return summary.failed > 0 ? EXIT.FAILED : EXIT.OK;
  } finally {
    await session.close();
  }
}
