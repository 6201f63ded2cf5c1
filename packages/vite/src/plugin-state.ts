import { relative } from 'node:path';
import {
  type CreateHerogenOptions,
  createHerogen,
  type Logger,
  type RunSummary,
} from '@herogen/core';
import { createDeriver, type DerivedImage, type Deriver } from '@herogen/core/derive';
import type { ResolvedConfig } from 'vite';
import { collectEntries, type HeroEntry } from './entries.js';
import type { HeroImageContext } from './hero-image.js';
import type { SplitOptions } from './options.js';

export type Session = Awaited<ReturnType<typeof createHerogen>>;

/**
 * What build and dev share: the resolved Vite config, the project session, the derivative
 * cache and the last run's summary. One per `herogen()` call.
 */
export interface PluginState {
  readonly split: SplitOptions;
  readonly config: ResolvedConfig | undefined;
  readonly root: string;
  lastSummary: RunSummary | undefined;
  /** Aborted when the dev server closes, so a background generation stops. */
  readonly abort: AbortController;
  configResolved(resolved: ResolvedConfig): void;
  logger(): Logger;
  /** The project session (created on first use; dropped again if it fails to load). */
  getSession(): Promise<Session>;
  /** The session if one was asked for, without creating it. */
  currentSession(): Promise<Session> | undefined;
  /** Forget the session and close it (release HTTP agents); the next use makes a new one. */
  closeSession(): Promise<void>;
  getDeriver(): Deriver;
  /** Root-relative POSIX path of an absolute one. */
  toRelative(absolute: string): string;
  /** Plan the site (or only these content files) and pick each file's hero. */
  planEntries(only?: string[]): Promise<Map<string, HeroEntry>>;
  deriveOptionsFor(entry: HeroEntry): SplitOptions['derive'];
  heroContext(urlOf: (image: DerivedImage) => string): HeroImageContext;
}

function posix(path: string): string {
  return path.split('\\').join('/');
}

export function createPluginState(split: SplitOptions): PluginState {
  let config: ResolvedConfig | undefined;
  let root = process.cwd();
  let session: Promise<Session> | undefined;
  let deriver: Deriver | undefined;

  const state: PluginState = {
    split,
    get config() {
      return config;
    },
    get root() {
      return root;
    },
    lastSummary: undefined,
    abort: new AbortController(),
    configResolved(resolved) {
      config = resolved;
      root = resolved.root;
    },
    logger() {
      const vite = config?.logger;
      return {
        debug: () => {},
        info: (message) => vite?.info(`herogen: ${message}`, { timestamp: true }),
        warn: (message) => vite?.warn(`herogen: ${message}`, { timestamp: true }),
        error: (message) => vite?.error(`herogen: ${message}`, { timestamp: true }),
      };
    },
    getSession() {
      if (!session) {
        const options: CreateHerogenOptions = { root, config: split.core, logger: state.logger() };
        // Errors in the plugin's options then name vite.config.* instead of "inline options".
        if (config?.configFile) options.inlineFile = config.configFile;
        if (split.configFile !== undefined) options.configFile = split.configFile;
        session = createHerogen(options);
        session.catch(() => {
          session = undefined;
        });
      }
      return session;
    },
    currentSession: () => session,
    async closeSession() {
      const current = session;
      session = undefined;
      await (await current?.catch(() => undefined))?.close();
    },
    getDeriver() {
      deriver ??= createDeriver({
        root,
        ...(split.encoders !== undefined ? { concurrency: split.encoders } : {}),
      });
      return deriver;
    },
    toRelative: (absolute) => posix(relative(root, absolute)),
    async planEntries(only) {
      const s = await state.getSession();
      const fields = s.config.field.map((field) => field.name);
      return collectEntries(await s.plan(only ? { only } : {}), root, fields);
    },
    deriveOptionsFor(entry) {
      // Offline art is not AI-generated: never label it as such.
      return {
        ...split.derive,
        tagAiGenerated: split.derive.tagAiGenerated === true && entry.status === 'generated',
      };
    },
    heroContext: (urlOf) => ({ sizes: split.sizes, placeholder: split.placeholder, urlOf }),
  };
  return state;
}
