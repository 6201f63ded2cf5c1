import type { RunOptions, RunSummary } from '@herogen/core';
import type { CliIO, GlobalFlags } from '../context.js';
import { createReporter } from './reporter.js';

/**
 * Run with progress output and Ctrl-C handling, the same for generate, regenerate and variants:
 * the first Ctrl-C (or SIGTERM) stops starting new images and waits for running ones (they may
 * already be paid for, and what arrives is stored); a second aborts those too.
 */
export async function runWithProgress<T = RunSummary>(
  flags: GlobalFlags,
  io: CliIO,
  run: (options: Pick<RunOptions, 'signal' | 'cancelSignal' | 'onEvent'>) => Promise<T>,
): Promise<T> {
  const stream = flags.json ? io.stderr : io.stdout;
  const reporter = createReporter({
    stream,
    interactive: Boolean(stream.isTTY) && !io.env.CI,
  });
  const stop = new AbortController();
  const cancel = new AbortController();
  const onSigint = () => {
    if (!stop.signal.aborted) {
      stop.abort();
      reporter.log(
        'stopping: no new images will start; waiting for running ones to arrive (Ctrl-C again to abort them)',
      );
    } else {
      cancel.abort();
      reporter.log('aborting running requests');
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    return await run({
      signal: stop.signal,
      cancelSignal: cancel.signal,
      onEvent: reporter.onEvent,
    });
  } finally {
    reporter.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
