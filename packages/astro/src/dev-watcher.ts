import path from 'node:path';
import { formatError, formatSummary, HerogenError } from '@herogen/core';
import type { AstroIntegration } from 'astro';
import { logEvent } from './project-state.js';
import type { ProjectState } from './registry.js';
import { createSerialBatch } from './serial-batch.js';

type ServerSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:server:setup']>>[0];

const CONTENT_FILE = /\.(md|mdx|mdoc|markdown)$/;
/** Editors write a file several times per save; wait for the last write. */
const DEBOUNCE_MS = 400;

export interface DevWatcherOptions {
  server: ServerSetup['server'];
  project: ProjectState;
  /** `'generate'`: real images in the background; `'placeholder'`: offline art only. */
  mode: 'generate' | 'placeholder';
  /** Re-run our loaders so entries pick up the real image, and reload the pages. */
  refresh: () => Promise<void>;
}

/**
 * On save of a content file (the loader has already stored a placeholder for a new or changed
 * prompt), generate the real image in the background and reload the page when it lands.
 * Page loads never trigger generation.
 */
export function watchContent({ server, project, mode, refresh }: DevWatcherOptions): () => void {
  const { session, logger } = project;
  const timers = new Map<string, NodeJS.Timeout>();
  // The dev server closing stops the run like a first Ctrl-C: nothing new starts, and waits for
  // hiapi tasks end at once (their ids are saved, so the next run resumes them).
  const stopping = new AbortController();

  const generate = createSerialBatch<string>(async (files) => {
    try {
      // Waits for the loader's own stand-in for this file (same queue), so the real image is
      // never being generated while the entry is still being parsed.
      await project.ensure(files);
      const summary = await session.generate({
        only: files,
        signal: stopping.signal,
        onEvent: (event) => logEvent(logger, event),
      });
      if (summary.generated === 0 && summary.failed === 0) return;
      logger.info(formatSummary(summary));
      await refresh();
    } catch (error) {
      for (const unreported of unreportedErrors(error, project.loaderFiles)) {
        logger.error(formatError(unreported));
      }
    }
  });

  const onFile = (absolute: string) => {
    if (mode === 'placeholder' || !CONTENT_FILE.test(absolute)) return;
    const file = path.relative(session.root, absolute).split(path.sep).join('/');
    if (file.startsWith('../') || file.startsWith('node_modules/')) return;
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        void generate([file]);
      }, DEBOUNCE_MS),
    );
  };

  server.watcher.on('add', onFile);
  server.watcher.on('change', onFile);
  return () => {
    server.watcher.off('add', onFile);
    server.watcher.off('change', onFile);
    for (const timer of timers.values()) clearTimeout(timer);
    stopping.abort();
  };
}

/**
 * The problems in `error` that no one has reported yet. A saved file's frontmatter mistake
 * (one error, or one of several combined) located in a file a herogen loader parses is
 * already reported by Astro when the loader re-parses that file: saying it again would log it
 * twice. Everything else (lock, budget, files outside the loaders) is still reported here.
 */
export function unreportedErrors(error: unknown, loaderFiles: ReadonlySet<string>): unknown[] {
  if (!HerogenError.is(error)) return [error];
  const parts =
    Array.isArray(error.cause) && error.cause.length > 0 && error.cause.every(HerogenError.is)
      ? (error.cause as HerogenError[])
      : [error];
  const left = parts.filter((part) => !part.location?.file || !loaderFiles.has(part.location.file));
  return left.length === parts.length ? [error] : left;
}
