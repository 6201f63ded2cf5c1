import { agree, checkStoredFiles, plural, printablePath, readLock } from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { noHeroesError } from '../no-heroes.js';
import { jobJson } from './plan.js';

/**
 * `herogen check`: for pull-request checks. Exit 1 when any image is missing, a placeholder, or
 * does not match its recorded sha256. Never calls a provider.
 */
export async function checkCommand(flags: GlobalFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  const plan = await session.plan();
  const lock = await readLock(session.lockPath);
  const mismatch = noHeroesError(session, plan.jobs.length, plan.files, lock);
  if (mismatch) throw mismatch;
  const hashed = await checkStoredFiles(session.root, session.layout.outDir, lock, { hash: true });
  const problems = plan.jobs.flatMap((job) => {
    const state = hashed.get(job.key);
    const problem =
      !job.entry || job.status === 'missing' || state === 'missing'
        ? 'missing'
        : job.status === 'corrupt' || state === 'corrupt'
          ? 'corrupt'
          : job.entry.placeholder
            ? 'placeholder'
            : undefined;
    return problem ? [{ job, problem }] : [];
  });
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: problems.length === 0, images: plan.jobs.length, problems: problems.map(({ job, problem }) => ({ problem, ...jobJson(job) })) }, null, 2)}\n`,
    );
  } else {
    for (const { job, problem } of problems) {
      const files = job.sources
        .map((source) => `${printablePath(source.file)}:${source.line}`)
        .join(', ');
      io.stdout.write(`${problem.padEnd(11)} ${files} → ${job.file}\n`);
    }
    io.stdout.write(
      problems.length === 0
        ? `ok: all ${plural(plan.jobs.length, 'image')} ${agree(plan.jobs.length, 'is', 'are')} generated and match the lock\n`
        : `${problems.length} of ${plural(plan.jobs.length, 'image')} ${agree(problems.length, 'needs', 'need')} attention (run \`herogen generate\`)\n`,
    );
  }
  return problems.length === 0 ? EXIT.OK : EXIT.FAILED;
}
