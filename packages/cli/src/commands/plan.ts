import { formatUsd, type Job } from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatTable } from '../output/table.js';

/** `herogen plan`: what would be generated, by whom, at what estimated cost. No network. */
export async function planCommand(flags: GlobalFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  const plan = await session.plan();
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          provider: plan.provider,
          files: plan.files,
          estimateUsd: plan.estimateUsd,
          jobs: plan.jobs.map(jobJson),
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.OK;
  }
  io.stdout.write(`provider: ${plan.provider.id} (${plan.provider.reason})\n`);
  const rows = plan.jobs.map((job) => [
    job.sources.map((source) => source.file).join(', '),
    job.status,
    job.request.provider,
    job.request.model,
    job.request.size ?? `${job.request.aspect ?? ''} ${job.request.resolution ?? ''}`.trim(),
    job.status === 'cached' ? '—' : estimateText(job),
  ]);
  if (rows.length > 0) {
    io.stdout.write(
      `${formatTable(['file', 'status', 'provider', 'model', 'size', 'estimate'], rows)}\n`,
    );
  }
  const toMake = plan.jobs.filter((job) => job.status !== 'cached').length;
  io.stdout.write(
    `${plan.jobs.length} images from ${plan.files} files: ${plan.jobs.length - toMake} cached, ${toMake} to generate, estimated ${formatUsd(plan.estimateUsd)}\n`,
  );
  return EXIT.OK;
}

function estimateText(job: Job): string {
  if (job.estimate.usd === null) return 'unknown';
  return formatUsd(job.estimate.usd, job.estimate.confidence !== 'exact');
}

export function jobJson(job: Job) {
  return {
    key: job.key,
    status: job.status,
    file: job.file,
    sources: job.sources.map((source) => ({ file: source.file, line: source.line })),
    provider: job.request.provider,
    model: job.request.model,
    request: job.request,
    estimate: job.estimate,
    placeholder: job.entry?.placeholder === true,
  };
}
