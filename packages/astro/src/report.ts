import { formatError, type RunEvent } from '@herogen/core';

export type LogLevel = 'debug' | 'info' | 'warn';

/** One progress line of a run for Astro's logger, or undefined when there is nothing to say. */
export function describeEvent(event: RunEvent): { level: LogLevel; message: string } | undefined {
  switch (event.type) {
    case 'plan': {
      if (event.missing === 0)
        return { level: 'debug', message: `${event.total} hero images, all cached` };
      const cost =
        event.estimateUsd === null ? 'cost unknown' : `est. $${event.estimateUsd.toFixed(2)}`;
      return {
        level: 'info',
        message: `${event.missing} of ${event.total} hero images to generate (${cost})`,
      };
    }
    case 'start':
      return { level: 'debug', message: `generating ${sourcesOf(event.job)}` };
    case 'generated': {
      const cost = event.entry.costUsd === null ? '' : `, $${event.entry.costUsd.toFixed(3)}`;
      const kind = event.entry.placeholder
        ? 'offline art'
        : `${event.entry.provider}/${event.entry.model}`;
      return { level: 'info', message: `✓ ${sourcesOf(event.job)} (${kind}${cost})` };
    }
    case 'retry':
      return {
        level: 'info',
        message: `retrying ${sourcesOf(event.job)} in ${(event.delayMs / 1000).toFixed(1)}s (attempt ${event.attempt}): ${event.reason}`,
      };
    case 'paused':
      return {
        level: 'warn',
        message: `pausing all requests for ${(event.ms / 1000).toFixed(1)}s: ${event.reason}`,
      };
    case 'skipped':
      return { level: 'debug', message: `skipped ${sourcesOf(event.job)}: ${event.reason}` };
    case 'failed': {
      const fallback = event.placeholder ? 'an offline placeholder stands in' : 'no image stored';
      return { level: 'warn', message: `${formatError(event.error)} (${fallback})` };
    }
  }
}

function sourcesOf(job: { sources: readonly { file: string }[] }): string {
  const files = [...new Set(job.sources.map((source) => source.file))];
  return files.length > 2
    ? `${files.slice(0, 2).join(', ')} +${files.length - 2}`
    : files.join(', ');
}
