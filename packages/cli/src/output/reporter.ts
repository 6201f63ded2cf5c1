import { createRequire } from 'node:module';
import { formatUsd, plural, printablePath, type RunEvent } from '@herogen/core';
import type cliProgress from 'cli-progress';

// The bar library (16 modules) is loaded only when a bar is drawn: on a terminal, with work to do.
const require = createRequire(import.meta.url);
const loadProgress = (): typeof cliProgress => require('cli-progress');

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
  /** Clock for the ETA (tests). */
  now?: () => number;
}): Reporter {
  const { stream } = options;
  const now = options.now ?? Date.now;
  let total = 0;
  let done = 0;
  let costUsd = 0;
  let startedAt: number | undefined;
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
    // Redraw now rather than on the next tick, so the cost shown is never stale.
    bars?.update();
  };
  /** `[2/5 · $0.11 · ETA 40s]`: the same facts the bar shows, for logs. */
  const progress = () => {
    const parts = [`${done}/${total}`, `${formatUsd(costUsd)} spent`];
    if (done > 0 && done < total && startedAt !== undefined) {
      const perImage = (now() - startedAt) / done;
      parts.push(`ETA ${formatDuration(perImage * (total - done))}`);
    }
    return ` [${parts.join(' · ')}]`;
  };
  /** Plain lines carry the progress suffix; on a terminal the bar shows it instead. */
  const advanceLine = (line: string) => {
    advance();
    write(options.interactive ? line : `${line}${progress()}`);
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
            `${plural(event.total, 'image')}: ${event.cached} cached, ${event.missing} to make (${cost})`,
          );
          if (options.interactive && !options.quiet && total > 0) {
            bars = createBars(stream);
            bar = bars.create(total, 0, { cost: formatUsd(0) });
          }
          return;
        }
        case 'start':
          startedAt ??= now();
          if (!options.interactive)
            write(
              `start     ${sources(event.job)} (${event.job.request.provider} ${event.job.request.model}${event.job.request.variant > 0 ? `, variant ${event.job.request.variant}` : ''})`,
            );
          return;
        case 'generated': {
          costUsd += event.entry.costUsd ?? 0;
          const cost =
            event.entry.costUsd === null
              ? 'cost unknown'
              : formatUsd(event.entry.costUsd, event.entry.costConfidence !== 'exact');
          const kind = event.entry.placeholder ? 'offline' : 'generated';
          advanceLine(
            `${kind.padEnd(9)} ${sources(event.job)} → ${event.entry.file} (${event.entry.width}×${event.entry.height}, ${cost})`,
          );
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
          advanceLine(`skipped   ${sources(event.job)}: ${event.reason}`);
          return;
        case 'failed': {
          // A billed answer that was not stored still cost money: the running total says so.
          const spent = event.spent;
          if (spent) costUsd += spent.costUsd ?? 0;
          const billed = spent
            ? ` (billed ${spent.costUsd === null ? 'an unknown amount' : formatUsd(spent.costUsd, spent.costConfidence !== 'exact')}, not stored)`
            : '';
          advanceLine(
            `failed    ${sources(event.job)}: ${event.error.message}${billed}${event.placeholder ? ' (placeholder stored)' : ''}`,
          );
          return;
        }
      }
    },
  };
}

/** The live bar's container: done/total, ETA and running cost. */
function createBars(stream: NodeJS.WriteStream): cliProgress.MultiBar {
  const progressBars = loadProgress();
  return new progressBars.MultiBar(
    {
      stream,
      format: ' {bar} {value}/{total} · ETA {eta_formatted} · {cost}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 8,
    },
    progressBars.Presets.shades_classic,
  );
}

function sources(job: { sources: readonly { file: string }[] }): string {
  const [first, ...rest] = job.sources;
  const name = first ? printablePath(first.file) : '?';
  return rest.length > 0 ? `${name} (+${rest.length} more)` : name;
}

/** `45s`, `3m 05s`, `1h 02m`: coarse on purpose, an ETA is a guess. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}
