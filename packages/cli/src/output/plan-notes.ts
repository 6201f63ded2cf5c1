import { type Job, plural } from '@herogen/core';

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
