import path from 'node:path';
import type { createHerogen, Logger } from '@herogen/core';

export type Session = Awaited<ReturnType<typeof createHerogen>>;

/** What the integration shares with the content loaders of the same project. */
export interface ProjectState {
  session: Session;
  /** Make sure every hero of these root-relative files has an image on disk. */
  ensure(files: string[]): Promise<void>;
  /** Run `task` when no other run of this project (an `ensure` batch, the start-up check) runs. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  logger: Logger;
  /**
   * Root-relative files a herogen loader parses. Astro reports their frontmatter mistakes
   * (thrown by the loader, naming file, line and field), so the dev save handler does not.
   */
  loaderFiles: Set<string>;
}

// Astro loads content.config.ts through Vite's module runner, which may give the loader a
// different copy of this module than the integration's: share state through globalThis.
const KEY = Symbol.for('@herogen/astro.projects');

type Registry = Map<string, ProjectState>;

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [KEY]?: Registry };
  holder[KEY] ??= new Map();
  return holder[KEY];
}

function normalize(root: string): string {
  return path.resolve(root);
}

export function registerProject(root: string, state: ProjectState): void {
  registry().set(normalize(root), state);
}

export function unregisterProject(root: string, state: ProjectState): void {
  const map = registry();
  if (map.get(normalize(root)) === state) map.delete(normalize(root));
}

export function findProject(root: string): ProjectState | undefined {
  return registry().get(normalize(root));
}
