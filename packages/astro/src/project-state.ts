import { formatSummary, type Logger } from '@herogen/core';
import type { ProjectState } from './registry.js';
import { describeEvent } from './report.js';
import { createSerialBatch } from './serial-batch.js';

export interface ProjectStateOptions {
  session: ProjectState['session'];
  logger: Logger;
  /** `dev` stores offline placeholders for missing images; `build` generates them. */
  mode: 'dev' | 'build';
}

/** The session plus the one queue through which loaders ask for missing images. */
export function createProjectState({ session, logger, mode }: ProjectStateOptions): ProjectState {
  // One run of this project at a time: the dev server's start-up check and the loaders' batches.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => {});
    return run;
  };
  const ensure = createSerialBatch<string>(async (files) => {
    const summary = await exclusive(() =>
      session.generate({
        only: files,
        frozen: mode === 'dev',
        // In dev these are quick stand-ins while a post is edited: only failures are news.
        onEvent: (event) => {
          if (mode === 'build' || event.type === 'failed') logEvent(logger, event);
        },
      }),
    );
    if (summary.results.length > 0)
      logger[mode === 'dev' ? 'debug' : 'info'](formatSummary(summary));
  });
  return { session, logger, ensure, exclusive, loaderFiles: new Set() };
}

export function logEvent(logger: Logger, event: Parameters<typeof describeEvent>[0]): void {
  const line = describeEvent(event);
  if (line) logger[line.level](line.message);
}
