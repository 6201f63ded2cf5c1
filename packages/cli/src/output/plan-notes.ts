import { type Job, plural } from '@herogen/core';
import { formatBytes } from './format-bytes.js';

/**
 * Lines under the `herogen plan` table for estimates learnt from the lock: one per kind of
 * image, saying how many recorded costs its estimate is the median of.
 */
export function calibrationNotes(jobs: readonly Job[]): string[] {
  const notes = new Map<string, string>();
  for (const job of jobs) {
    const { usd, calibratedFrom } = job.estimate;
    if (job.status === 'cached' || usd === null || calibratedFrom === undefined) continue;
    const { provider, model, size, aspect, resolution, quality, references } = job.request;
    const kind = [
      provider,
      model,
      size ?? `${aspect ?? ''} ${resolution ?? ''}`.trim(),
      quality,
      references.length > 0 ? 'with references' : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    notes.set(
      kind,
      `${kind}: ~$${usd.toFixed(4)} an image, calibrated from ${plural(calibratedFrom, 'recorded cost')} (the median of what such images cost)`,
    );
  }
  return [...notes.values()];
}

/** From the photographs in BENCHMARKS.md ("Bytes per original"): median PNG and WebP at 100. */
const PNG_BYTES = 2.62 * 1024 ** 2;
const WEBP_BYTES = 0.26 * 1024 ** 2;
/** Below this many new PNG originals the repository size is not worth a line. */
export const REPO_SIZE_NOTE_FROM = 100;

/**
 * A line when many paid PNG originals are about to be made: each is committed, and PNG is ten
 * times the size of WebP at the API's default `output_compression` for no visible gain.
 */
export function repoSizeNote(jobs: readonly Job[]): string | undefined {
  const png = jobs.filter(
    // Offline art costs nothing and is not what a site keeps; an unknown price may be paid.
    (job) => job.status !== 'cached' && job.request.format === 'png' && job.estimate.usd !== 0,
  ).length;
  if (png < REPO_SIZE_NOTE_FROM) return undefined;
  return `${plural(png, 'new PNG original')} will add about ${formatBytes(png * PNG_BYTES)} to the repository; with \`format: 'webp'\` about ${formatBytes(png * WEBP_BYTES)} (see "Keep the repository small" in the README)`;
}
