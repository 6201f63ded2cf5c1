import path from 'node:path';
import {
  checkStoredFiles,
  formatSummary,
  formatUsd,
  HerogenError,
  type Job,
  type Lock,
  listCandidates,
  planCandidates,
  readLock,
  runJobs,
  VARIANTS_DIR,
} from '@herogen/core';
import { type CliIO, createLogger, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { runWithProgress } from '../output/run-with-progress.js';
import { formatTable } from '../output/table.js';
import { resolveTarget, resultJson, sourcesText } from './regenerate.js';

export interface VariantsFlags extends GlobalFlags {
  count?: number | string;
}

/** Most candidates one command may pay for: a typo must not cost a fortune. */
export const MAX_CANDIDATES = 16;

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
    const provider = session.registry.get(main.request.provider);
    if (!provider)
      throw new HerogenError('REQUEST_INVALID', `unknown provider "${main.request.provider}"`);
    if (provider.paid && session.config.frozen) {
      throw new HerogenError(
        'FROZEN',
        'frozen mode: no candidates are generated (they would be paid calls)',
        {
          hint: 'run without --frozen / HEROGEN_FROZEN',
        },
      );
    }
    if (provider.paid && !provider.isConfigured()) {
      throw new HerogenError(
        'PROVIDER_AUTH',
        `no API key for ${provider.id}, so no candidates can be generated for ${sourcesText(main)}`,
        { hint: provider.id === 'hiapi' ? 'set HIAPI_API_KEY' : 'set OPENAI_API_KEY' },
      );
    }
    const outDir = session.config.outDir;
    const before = await readLock(session.lockPath);
    const stored = await checkStoredFiles(session.root, session.outDir, before, { hash: false });
    const plans = planCandidates(main, count, { lock: before, stored, outDir, provider });
    const jobs = plans.filter((candidate) => !candidate.current).map((candidate) => candidate.job);
    const logger = createLogger(io, flags.json === true);
    const summary = await runWithProgress(flags, io, (options) =>
      runJobs(
        jobs,
        {
          root: session.root,
          config: session.config,
          registry: session.registry,
          lockPath: session.lockPath,
          outDir: path.join(session.outDir, VARIANTS_DIR),
          logger,
        },
        options,
      ),
    );
    const lock = await readLock(session.lockPath);
    const rows = candidateRows(main, lock, outDir);
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

export interface CandidateRow {
  n: number;
  key: string;
  file: string;
  placeholder: boolean;
  costUsd: number | null;
  createdAt: string;
  /** The hero's image currently has these bytes (picked, or its own variant). */
  current: boolean;
}

/** Every stored candidate of a hero, with the one in place marked. */
export function candidateRows(main: Job, lock: Lock, outDir: string): CandidateRow[] {
  const currentSha = lock.images[main.key]?.sha256;
  return listCandidates(main, lock, outDir).map(({ n, key, entry }) => ({
    n,
    key,
    file: entry.file,
    placeholder: entry.placeholder === true,
    costUsd: entry.costUsd,
    createdAt: entry.createdAt,
    current: currentSha !== undefined && entry.sha256 === currentSha,
  }));
}
