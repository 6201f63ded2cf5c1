import { plural } from '../text/plural.js';
import type { RunSummary } from '../types.js';

/** `12 cached · 3 generated · 0 failed · $0.16` — the one line every host prints at the end. */
export function formatSummary(summary: RunSummary): string {
  const parts = [`${summary.cached} cached`, `${summary.generated} generated`];
  if (summary.placeholders > 0) parts.push(plural(summary.placeholders, 'placeholder'));
  parts.push(`${summary.failed} failed`);
  const refused = summary.refused;
  const cost = formatUsd(
    summary.costUsd,
    summary.costIsEstimate && (summary.generated > 0 || refused !== undefined),
  );
  // Billed answers that were not stored are money spent too: say how much of the total.
  parts.push(
    refused
      ? `${cost} (${formatUsd(refused.costUsd)} of it billed for ${plural(refused.answers, 'answer')} not stored)`
      : cost,
  );
  return parts.join(' · ');
}

export function formatUsd(usd: number | null, estimate = false): string {
  if (usd === null) return 'cost unknown';
  const text = `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
  return estimate ? `~${text}` : text;
}
