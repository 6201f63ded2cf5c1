import { formatUsd, type RunEvent } from '@herogen/core';
import cliProgress from 'cli-progress';

export interface Reporter {
  onEvent(event: RunEvent): void;
  /** Print a line without tearing the progress bar. */
  log(line: string): void;
  stop(): void;
}

/**
 * Turns run events into output. The same events feed both sinks: a live bar (done/total, ETA,
 * running cost) on a terminal, and one plain line per event elsewhere (CI logs).
 */
export function createReporter(options: {
  stream: NodeJS.WriteStream;
  interactive: boolean;
  quiet?: boolean;
}): Reporter {
  const { stream } = options;
  let total = 0;
  let done = 0;
  let costUsd = 0;
  let bars: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;

  const write = (line: string) => {
    if (options.quiet) return;
    if (bars) bars.log(`${line}\n`);
    else stream.write(`${line}\n`);
  };
  const advance = () => {
    done += 1;
    bar?.update(done, { cost: formatUsd(costUsd) });
  };

  return {
    log: write,
    stop() {
      bars?.stop();
      bars = undefined;
    },
    onEvent(event) {
      switch (event.type) {
        case 'plan': {
          total = event.missing;
          const cost =
            event.estimateUsd === null
              ? 'cost unknown'
              : `estimated ${formatUsd(event.estimateUsd)}`;
          write(
            `${event.total} images: ${event.cached} cached, ${event.missing} to make (${cost})`,
          );
          if (options.interactive && !options.quiet && total > 0) {
            bars = new cliProgress.MultiBar(
              {
                stream,
                format: ' {bar} {value}/{total} · ETA {eta_formatted} · {cost}',
                hideCursor: true,
                clearOnComplete: true,
                etaBuffer: 8,
              },
              cliProgress.Presets.shades_classic,
            );
            bar = bars.create(total, 0, { cost: formatUsd(0) });
          }
          return;
        }
        case 'start':
          if (!options.interactive)
            write(
              `start     ${sources(event.job)} (${event.job.request.provider} ${event.job.request.model})`,
            );
          return;
        case 'generated': {
          costUsd += event.entry.costUsd ?? 0;
          const cost =
            event.entry.costUsd === null
              ? 'cost unknown'
              : formatUsd(event.entry.costUsd, event.entry.costConfidence !== 'exact');
          const kind = event.entry.placeholder ? 'offline' : 'generated';
          write(
            `${kind.padEnd(9)} ${sources(event.job)} → ${event.entry.file} (${event.entry.width}×${event.entry.height}, ${cost})`,
          );
          advance();
          return;
        }
        case 'retry':
          write(
            `retry     ${sources(event.job)}: ${event.reason}; attempt ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`,
          );
          return;
        case 'paused':
          write(`paused    ${(event.ms / 1000).toFixed(1)} s: ${event.reason}`);
          return;
        case 'skipped':
          write(`skipped   ${sources(event.job)}: ${event.reason}`);
          advance();
          return;
        case 'failed':
          write(
            `failed    ${sources(event.job)}: ${event.error.message}${event.placeholder ? ' (placeholder stored)' : ''}`,
          );
          advance();
          return;
      }
    },
  };
}

function sources(job: { sources: readonly { file: string }[] }): string {
  const [first, ...rest] = job.sources;
  return rest.length > 0 ? `${first?.file} (+${rest.length} more)` : (first?.file ?? '?');
}
