import path from 'node:path';
import { createScheduler } from '../run/scheduler.js';
import { checkStoredFiles } from '../store/check-stored.js';
import { type OriginalKind, originalsAt } from '../store/original-file.js';
import type { Job, Lock, LockEntry, PlanResult } from '../types.js';
import { listCandidates } from './candidates.js';
import type {
  ReportData,
  ReportImage,
  ReportStatus,
  ReportTake,
  ReportThumbnail,
  ReportTotals,
} from './report-types.js';
import { createThumbnail } from './thumbnail.js';

export interface CollectOptions {
  root: string;
  /** Root-relative POSIX originals directory (`layout.outDirRelative`): candidates are found by their lock path. */
  outDir: string;
  plan: PlanResult;
  lock: Lock;
  /** Embed thumbnails (the HTML page, or these widths); `--json` leaves them out. */
  thumbnails: boolean | { hero: number; take: number };
  now?: Date;
}

/** A thumbnail of an original or earlier take, read through the checked reader. */
type Thumb = (
  file: string,
  key: string,
  kind: OriginalKind,
  size: keyof typeof WIDTHS,
) => Promise<ReportThumbnail | undefined>;

const WIDTHS = { hero: 320, take: 112 };

/** Gather every hero of the current content with what the lock and disk say about it. */
export async function collectReport(options: CollectOptions): Promise<ReportData> {
  const { root, plan, lock } = options;
  const stored = await checkStoredFiles(root, options.outDir, lock, { hash: true });
  // sharp decodes a full-size original per thumbnail: a few at a time keeps memory flat.
  const queue = createScheduler({ concurrency: 4 });
  // Through the checked reader: a lock entry or symlink leading elsewhere shows no picture.
  const originals = originalsAt(root, options.outDir);
  const widths = typeof options.thumbnails === 'object' ? options.thumbnails : WIDTHS;
  const thumb: Thumb = (file, key, kind, size) =>
    options.thumbnails
      ? queue.run(() =>
          originals
            .read(file, key, kind)
            .then((bytes) => createThumbnail(bytes, { width: widths[size] }))
            .catch(() => undefined),
        )
      : Promise.resolve(undefined);

  const images = await Promise.all(
    plan.jobs.map(async (job): Promise<ReportImage> => {
      const entry = lock.images[job.key];
      const state = entry ? (stored.get(job.key) ?? 'ok') : 'missing';
      const status = reportStatusOf(job, entry, state);
      const [thumbnail, takes] = await Promise.all([
        status === 'missing' ? undefined : thumb(entry!.file, job.key, 'image', 'hero'),
        collectTakes(job, lock, options.outDir, thumb),
      ]);
      return imageOf(job, entry, { status, thumbnail: thumbnail ?? undefined, takes });
    }),
  );
  return {
    project: path.basename(root),
    generatedAt: (options.now ?? new Date()).toISOString(),
    totals: totalsOf(images, lock),
    images,
  };
}

/** Report status of a job. Pure. */
export function reportStatusOf(
  job: Job,
  entry: LockEntry | undefined,
  state: 'ok' | 'missing' | 'corrupt',
): ReportStatus {
  if (!entry || state === 'missing') return 'missing';
  if (state === 'corrupt' || job.status === 'corrupt') return 'corrupt';
  if (!entry.placeholder) return 'ok';
  return isFailure(entry.placeholderReason) ? 'failed' : 'placeholder';
}

/**
 * A stand-in's reason is `<CODE>: <message>` when a generation was skipped or failed. Frozen
 * mode, a missing key and the budget are choices, not failures; local art has no code.
 */
function isFailure(reason: string | undefined): boolean {
  const code = /^([A-Z_]+): /.exec(reason ?? '')?.[1];
  if (!code) return false;
  if (code === 'FROZEN' || code === 'BUDGET_EXCEEDED') return false;
  if (code === 'PROVIDER_AUTH' && /no API key/i.test(reason ?? '')) return false;
  return true;
}

async function collectTakes(
  job: Job,
  lock: Lock,
  outDir: string,
  thumb: Thumb,
): Promise<ReportTake[]> {
  const currentSha = lock.images[job.key]?.sha256;
  const history = (lock.history?.[job.key] ?? []).map(
    async (take): Promise<ReportTake> => ({
      kind: 'history',
      file: take.file,
      createdAt: take.createdAt,
      replacedAt: take.replacedAt,
      costUsd: take.costUsd,
      placeholder: take.placeholder === true,
      current: take.sha256 === currentSha,
      ...withThumbnail(await thumb(take.file, job.key, 'history', 'take')),
    }),
  );
  const candidates = listCandidates(job, lock, outDir).map(
    async ({ n, key, entry }): Promise<ReportTake> => ({
      kind: 'candidate',
      n,
      file: entry.file,
      createdAt: entry.createdAt,
      costUsd: entry.costUsd,
      placeholder: entry.placeholder === true,
      current: entry.sha256 === currentSha,
      ...withThumbnail(await thumb(entry.file, key, 'image', 'take')),
    }),
  );
  return Promise.all([...history, ...candidates]);
}

function withThumbnail(thumbnail: ReportThumbnail | undefined) {
  return thumbnail ? { thumbnail } : {};
}

function imageOf(
  job: Job,
  entry: LockEntry | undefined,
  shown: { status: ReportStatus; thumbnail: ReportThumbnail | undefined; takes: ReportTake[] },
): ReportImage {
  const { status, thumbnail, takes } = shown;
  const { request } = job;
  const asked = request.size ?? `${request.aspect ?? ''} ${request.resolution ?? ''}`.trim();
  const first = job.sources[0]?.spec;
  const image: ReportImage = {
    key: job.key,
    status,
    sources: job.sources.map((source) => ({
      file: source.file,
      line: source.line,
      ...(source.title ? { title: source.title } : {}),
      ...(source.spec.alt ? { alt: source.spec.alt } : {}),
    })),
    prompt: request.prompt,
    provider: entry?.provider ?? request.provider,
    model: entry?.model ?? request.model,
    size: entry ? `${entry.width}×${entry.height}` : asked.replace('x', '×'),
    format: entry?.format ?? request.format,
    costUsd: entry ? entry.costUsd : job.estimate.usd,
    costConfidence: entry
      ? entry.costConfidence
      : job.estimate.confidence === 'exact'
        ? 'estimate'
        : job.estimate.confidence,
    file: entry?.file ?? job.file,
    takes,
  };
  if (first?.alt) image.alt = first.alt;
  if (request.quality) image.quality = request.quality;
  if (entry) {
    image.createdAt = entry.createdAt;
    image.bytes = entry.bytes;
    if (entry.revisedPrompt) image.revisedPrompt = entry.revisedPrompt;
    if (entry.requestId) image.requestId = entry.requestId;
    if (entry.taskId) image.taskId = entry.taskId;
    if (entry.placeholderReason) image.statusDetail = entry.placeholderReason;
  }
  if (status === 'missing') image.statusDetail = 'not generated yet: run `herogen generate`';
  if (status === 'corrupt') {
    image.statusDetail = `the file does not match its sha256 in the lock: restore it with git checkout -- ${image.file}`;
  }
  if (thumbnail) image.thumbnail = thumbnail;
  return image;
}

function totalsOf(images: readonly ReportImage[], lock: Lock): ReportTotals {
  const totals: ReportTotals = {
    images: images.length,
    ok: 0,
    placeholder: 0,
    failed: 0,
    missing: 0,
    corrupt: 0,
    costUsd: 0,
    costIsEstimate: false,
    takesCostUsd: 0,
    // Refused or unwritable answers the API billed: money spent with nothing to show for it.
    refusedCostUsd: (lock.spent ?? []).reduce((sum, record) => sum + (record.costUsd ?? 0), 0),
    originalsBytes: sumBytes(Object.values(lock.images)),
    historyBytes: sumBytes(Object.values(lock.history ?? {}).flat()),
  };
  for (const image of images) {
    totals[image.status] += 1;
    if (image.status !== 'missing') {
      if (image.costUsd === null) totals.costIsEstimate = true;
      else totals.costUsd += image.costUsd;
      if (image.costConfidence !== 'exact' && image.costUsd !== 0) totals.costIsEstimate = true;
    }
    for (const take of image.takes) if (!take.current) totals.takesCostUsd += take.costUsd ?? 0;
  }
  return totals;
}

const sumBytes = (entries: readonly { bytes: number }[]) =>
  entries.reduce((sum, entry) => sum + entry.bytes, 0);
