import {
  batchPriced,
  describeConfigSource,
  formatUsd,
  type Job,
  openBatchKeys,
  plural,
  printablePath,
  readBatchesFile,
  sortForBatch,
  unknownModelNotes,
} from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { calibrationNotes, repoSizeNote } from '../output/plan-notes.js';
import { selectPlanRows } from '../output/plan-rows.js';
import { formatTable } from '../output/table.js';

export interface PlanFlags extends GlobalFlags {
  /** List cached images too, however many. */
  all?: boolean;
}

/**
 * `herogen plan`: what would be generated, by whom, at what estimated cost. No network. Lists
 * every image that needs action; cached ones are counted past a few (`--all` lists them), so a
 * big site's plan shows what matters. `--json` is always complete.
 */
export async function planCommand(flags: PlanFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  const plan = await session.plan();
  const warnings = unknownModelNotes(plan.jobs, session.registry);
  // Keys an open batch is making: shown as pending (priced at the batch price in the total).
  const open = openBatchKeys(await readBatchesFile(session.layout.batches));
  const pendingIn = (job: Job) => (job.status === 'cached' ? undefined : open.get(job.key)?.id);
  const batch = batchEstimate(plan.jobs, session.registry);
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          provider: plan.provider,
          config: { source: describeConfigSource(session.configSource), ...session.configSource },
          files: plan.files,
          estimateUsd: plan.estimateUsd,
          ...(batch ? { batchEstimateUsd: batch.usd } : {}),
          warnings,
          jobs: plan.jobs.map((job) => {
            const id = pendingIn(job);
            return id ? { ...jobJson(job), pendingInBatch: id } : jobJson(job);
          }),
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.OK;
  }
  io.stdout.write(`config: ${describeConfigSource(session.configSource)}\n`);
  io.stdout.write(`provider: ${plan.provider.id} (${plan.provider.reason})\n`);
  const { listed, hiddenCached } = selectPlanRows(plan.jobs, flags.all === true);
  const rows = listed.map((job) => [
    job.sources.map((source) => printablePath(source.file)).join(', '),
    pendingIn(job) ? `pending in batch ${pendingIn(job)}` : job.status,
    job.request.provider,
    job.request.model,
    job.request.size ?? `${job.request.aspect ?? ''} ${job.request.resolution ?? ''}`.trim(),
    job.status === 'cached' ? '—' : estimateText(job),
  ]);
  let text = '';
  if (rows.length > 0) {
    text += `${formatTable(['file', 'status', 'provider', 'model', 'size', 'estimate'], rows)}\n`;
  }
  if (hiddenCached > 0) {
    text += `${plural(hiddenCached, 'cached image')} not listed (--all lists them)\n`;
  }
  const pending = plan.jobs.filter((job) => pendingIn(job)).length;
  if (pending > 0) {
    text += `${plural(pending, 'image')} pending in an open batch: \`herogen batch collect\` stores ${pending === 1 ? 'it' : 'them'} once done; builds meanwhile use placeholders and pay nothing\n`;
  }
  text += madeElsewhereText(plan.jobs, plan.provider.id);
  const toMake = plan.jobs.filter((job) => job.status !== 'cached').length;
  const estimate = batch
    ? `${formatUsd(plan.estimateUsd)} sync, ${formatUsd(batch.usd)} batch`
    : formatUsd(plan.estimateUsd);
  text += `${plural(plan.jobs.length, 'image')} from ${plural(plan.files, 'file')}: ${plan.jobs.length - toMake} cached, ${toMake} to generate, estimated ${estimate}\n`;
  for (const note of calibrationNotes(plan.jobs)) text += `${note}\n`;
  const sizeNote = repoSizeNote(plan.jobs);
  if (sizeNote) text += `note: ${sizeNote}\n`;
  for (const warning of warnings) text += `warning: ${warning}\n`;
  io.stdout.write(text);
  return EXIT.OK;
}

/**
 * Cached images another provider made (before a switch of API key): kept, not paid again. Said
 * outright, since the table may not list them and the provider line names another provider.
 */
function madeElsewhereText(jobs: readonly Job[], running: string): string {
  const byProvider = new Map<string, number>();
  for (const job of jobs) {
    if (job.status !== 'cached' || job.request.provider === running) continue;
    byProvider.set(job.request.provider, (byProvider.get(job.request.provider) ?? 0) + 1);
  }
  return [...byProvider]
    .map(
      ([provider, count]) =>
        `${count} cached image${count === 1 ? ' was' : 's were'} made by ${provider}, not ${running}: kept, not paid again\n`,
    )
    .join('');
}

/**
 * What the missing images cost if every one that can goes through its provider's batch API
 * (the rest synchronously); undefined when none can.
 */
function batchEstimate(
  jobs: readonly Job[],
  registry: Parameters<typeof sortForBatch>[1]['registry'],
): { usd: number | null; images: number } | undefined {
  const { ready } = sortForBatch(jobs, { registry });
  if (ready.length === 0) return undefined;
  const batched = new Map(ready.map(({ job, api }) => [job, batchPriced(job, api)]));
  let usd: number | null = 0;
  for (const job of jobs) {
    if (job.status === 'cached') continue;
    const cost = (batched.get(job) ?? job).estimate.usd;
    usd = usd === null || cost === null ? null : usd + cost;
  }
  return { usd, images: ready.length };
}

function estimateText(job: Job): string {
  if (job.estimate.usd === null) return 'unknown';
  const text = formatUsd(job.estimate.usd, job.estimate.confidence !== 'exact');
  return job.estimate.calibratedFrom === undefined ? text : `${text} (calibrated)`;
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
