import {
  BATCHES_FILE_NAME,
  type BatchCollectResult,
  type BatchView,
  formatUsd,
  HerogenError,
  imagesOf,
  plural,
  printablePath,
} from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatTable } from '../output/table.js';

export interface BatchFlags extends GlobalFlags {
  /** submit: lower per-file limits than the API's (50,000 requests, 200 MB). */
  maxRequests?: number;
  maxBytes?: number;
  /** submit: check and price only. */
  dryRun?: boolean;
  /** status: every recorded batch, collected ones too. */
  all?: boolean;
  /** collect, cancel: poll until the batches have finished (backoff), then collect. */
  wait?: boolean;
  /** Longest `--wait`, in seconds (default 600). */
  waitTimeout?: number;
}

const ACTIONS = ['submit', 'status', 'collect', 'cancel'] as const;
type Action = (typeof ACTIONS)[number];
const FINISHED = new Set(['completed', 'expired', 'cancelled', 'failed']);

type Session = Awaited<ReturnType<typeof openSession>>;

/**
 * `herogen batch submit|status|collect|cancel`: backfill through OpenAI's Batch API at half
 * the price. `submit` records each batch in herogen.batches.json (commit it); `collect` on any
 * clone stores what finished, exactly as `generate` stores an image.
 */
export async function batchCommand(
  action: string | undefined,
  ids: readonly string[],
  flags: BatchFlags,
  io: CliIO,
): Promise<ExitCode> {
  if (!ACTIONS.includes(action as Action)) {
    io.stderr.write(
      `herogen batch: ${action ? `unknown action "${action}"` : 'no action given'}; use one of ${ACTIONS.join(', ')}\n`,
    );
    return EXIT.INVALID;
  }
  const session = await openSession(flags, io);
  const out = flags.json ? io.stderr : io.stdout;
  const only = ids.length > 0 ? { ids } : {};
  try {
    switch (action as Action) {
      case 'submit':
        return await submit(session, flags, io);
      case 'status': {
        const views = await session.batch.status({ ...only, all: flags.all === true });
        if (flags.json) io.stdout.write(`${JSON.stringify(views.map(viewJson), null, 2)}\n`);
        else out.write(statusText(views));
        return views.some((v) => v.error) ? EXIT.FAILED : EXIT.OK;
      }
      case 'cancel': {
        const views = await session.batch.cancel(only);
        for (const view of views) {
          out.write(
            view.error
              ? `batch ${view.record.id}: ${view.error.message}\n`
              : `batch ${view.record.id}: ${view.remote?.status}\n`,
          );
        }
        // What completed before the cancel is collected once the batch has stopped.
        return await collect(session, { ...flags, wait: true }, io, only);
      }
      case 'collect':
        return await collect(session, flags, io, only);
    }
  } finally {
    await session.close();
  }
}

async function submit(session: Session, flags: BatchFlags, io: CliIO): Promise<ExitCode> {
  const out = flags.json ? io.stderr : io.stdout;
  const limits = {
    ...(flags.maxRequests !== undefined ? { maxRequests: Number(flags.maxRequests) } : {}),
    ...(flags.maxBytes !== undefined ? { maxBytes: Number(flags.maxBytes) } : {}),
  };
  const result = await session.batch.submit({ limits, dryRun: flags.dryRun === true });
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          dryRun: flags.dryRun === true,
          submitted: result.submitted.map((b) => ({
            id: b.id,
            images: imagesOf(b),
            endpoint: b.endpoint,
          })),
          images: result.jobs.length,
          estimateUsd: result.estimateUsd,
          syncEstimateUsd: result.syncEstimateUsd,
          covered: Object.fromEntries(result.covered),
          references: result.references,
          notBatchable: result.notBatchable.map((n) => ({ key: n.job.key, reason: n.reason })),
        },
        null,
        2,
      )}\n`,
    );
  }
  const price = `${formatUsd(result.estimateUsd, true)} at the batch price (${formatUsd(result.syncEstimateUsd, true)} sync)`;
  if (result.covered.size > 0) {
    const batches = [...new Set(result.covered.values())].join(', ');
    out.write(
      `${plural(result.covered.size, 'image')} already in open batch ${batches}: not sent again\n`,
    );
  }
  for (const { job, reason } of result.notBatchable) {
    out.write(
      `${job.sources.map((s) => printablePath(s.file)).join(', ')}: not batched (${reason}); \`herogen generate\` makes it\n`,
    );
  }
  if (result.jobs.length === 0) {
    out.write('nothing to submit: every image is stored or already in an open batch\n');
    return EXIT.OK;
  }
  if (flags.dryRun) {
    const refs = result.references.distinct;
    const uploads =
      refs > 0 ? ` (edits: at most ${plural(refs, 'reference image')} to upload)` : '';
    out.write(
      `would submit ${plural(result.jobs.length, 'image')}${uploads}, estimated ${price}\n`,
    );
    return EXIT.OK;
  }
  const refs = result.references;
  if (refs.distinct > 0) {
    out.write(
      `${plural(refs.distinct, 'reference image')} for edits: ${refs.uploaded} uploaded (${(refs.uploadedBytes / 1e6).toFixed(1)} MB, files apart from the batch input), ${refs.reused} already uploaded\n`,
    );
  }
  for (const batch of result.submitted) {
    out.write(
      `submitted batch ${batch.id}: ${plural(imagesOf(batch), 'image')} (${batch.endpoint})\n`,
    );
  }
  out.write(
    `${plural(result.jobs.length, 'image')} in ${plural(result.submitted.length, 'batch', 'batches')}, estimated ${price}\n` +
      `recorded in ${BATCHES_FILE_NAME}: commit it; \`herogen batch collect\` stores the images once done (within 24 h), on any clone\n`,
  );
  return EXIT.OK;
}

async function collect(
  session: Session,
  flags: BatchFlags,
  io: CliIO,
  only: { ids?: readonly string[] },
): Promise<ExitCode> {
  const out = flags.json ? io.stderr : io.stdout;
  if (flags.wait) await waitForBatches(session, only, flags);
  const result = await session.batch.collect(only);
  if (flags.json) io.stdout.write(`${JSON.stringify(collectJson(result), null, 2)}\n`);
  out.write(collectText(result));
  return result.failed.length > 0 || result.lost.length > 0 ? EXIT.FAILED : EXIT.OK;
}

/**
 * Poll until no batch is running, or `--wait-timeout` (600 s) has passed. Waits grow with the
 * time waited (a fifth of it, from 250 ms to 30 s): a batch runs for minutes to hours.
 */
async function waitForBatches(
  session: Session,
  only: { ids?: readonly string[] },
  flags: BatchFlags,
): Promise<void> {
  const start = Date.now();
  const limitMs = Number(flags.waitTimeout ?? 600) * 1000;
  for (;;) {
    const views = await session.batch.status(only);
    const running = views.filter((v) => !v.error && !FINISHED.has(v.remote?.status ?? ''));
    const waited = Date.now() - start;
    if (running.length === 0 || waited >= limitMs) return;
    const pause = Math.min(30_000, Math.max(250, waited / 5), limitMs - waited);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function age(view: BatchView): string {
  const minutes = Math.floor((Date.now() - Date.parse(view.record.submittedAt)) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

function statusText(views: readonly BatchView[]): string {
  if (views.length === 0) return `no open batch (${BATCHES_FILE_NAME} lists none)\n`;
  const rows = views.map((view) => {
    const counts = view.remote?.requestCounts;
    return [
      view.record.id,
      view.error ? `unknown (${view.error.code})` : (view.remote?.status ?? ''),
      counts
        ? `${counts.completed}/${imagesOf(view.record)} done${counts.failed ? `, ${counts.failed} failed` : ''}`
        : '',
      age(view),
      formatUsd(view.estimateUsd, true),
      view.record.state,
    ];
  });
  let text = `${formatTable(['batch', 'status', 'requests', 'age', 'estimate', 'here'], rows)}\n`;
  for (const view of views)
    if (view.error) text += `batch ${view.record.id}: ${view.error.message}\n`;
  if (views.some((v) => v.record.state === 'open' && FINISHED.has(v.remote?.status ?? ''))) {
    text += 'finished batches are stored by `herogen batch collect`\n';
  }
  return text;
}

function where(sources: readonly { file: string; line: number }[]): string {
  return sources.length > 0
    ? sources.map((s) => `${printablePath(s.file)}:${s.line}`).join(', ')
    : '(no content file)';
}

function collectText(result: BatchCollectResult): string {
  let text = '';
  for (const failure of result.failed) {
    const ids = [
      failure.status === undefined ? undefined : `HTTP ${failure.status}`,
      failure.code,
      failure.requestId ? `request ${failure.requestId}` : undefined,
    ].filter(Boolean);
    text += `${where(failure.sources)}: batch ${failure.batchId} gave no image${ids.length ? ` (${ids.join(', ')})` : ''}: ${failure.message}\n`;
  }
  for (const loss of result.lost) {
    text += `${loss.key ? `${where(loss.sources)}: ` : ''}${loss.message}\n`;
  }
  for (const view of result.pending) {
    const counts = view.remote?.requestCounts;
    text += `batch ${view.record.id} is ${view.remote?.status}${counts ? ` (${counts.completed + counts.failed}/${counts.total} done)` : ''}: run collect again later\n`;
  }
  const collected = result.batches.filter((v) => v.record.state === 'collected').length;
  text += `collected ${plural(collected, 'batch', 'batches')}: ${plural(result.stored.length, 'image')} stored (${formatUsd(result.costUsd)}), ${result.alreadyStored} already stored, ${result.failed.length} failed, ${result.lost.length} lost, ${plural(result.pending.length, 'batch', 'batches')} still running\n`;
  if (result.failed.length > 0) {
    text +=
      'failed images are not covered by any batch any more: `herogen batch submit` (or `herogen generate`) asks for them again\n';
  }
  return text;
}

function viewJson(view: BatchView) {
  return {
    id: view.record.id,
    state: view.record.state,
    submittedAt: view.record.submittedAt,
    images: imagesOf(view.record),
    estimateUsd: view.estimateUsd,
    ...(view.remote
      ? { status: view.remote.status, requestCounts: view.remote.requestCounts }
      : {}),
    ...(view.error
      ? {
          error: {
            code: HerogenError.is(view.error) ? view.error.code : 'INTERNAL',
            message: view.error.message,
          },
        }
      : {}),
  };
}

function collectJson(result: BatchCollectResult) {
  return {
    batches: result.batches.map(viewJson),
    stored: result.stored.map(({ key, entry }) => ({
      key,
      file: entry.file,
      costUsd: entry.costUsd,
      requestId: entry.requestId,
    })),
    alreadyStored: result.alreadyStored,
    failed: result.failed,
    lost: result.lost,
    costUsd: result.costUsd,
  };
}
