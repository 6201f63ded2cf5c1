import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatError, formatSummary } from '@herogen/core';
import type { ViteDevServer } from 'vite';
import { createDebounceRunner, type DebounceRunner } from './debounce-runner.js';
import { createDevMiddleware, devUrlOf } from './dev-middleware.js';
import { createDevPlan } from './dev-plan.js';
import type { HeroEntry } from './entries.js';
import { missingOriginal } from './errors.js';
import type { HeroImage, HeroMap } from './hero.js';
import { toHeroImage } from './hero-image.js';
import { CONTENT_EXTENSIONS, RESOLVED_VIRTUAL_ID } from './ids.js';
import type { PluginState } from './plugin-state.js';
import { type ReloadableGraph, reloadable, reloadModules } from './reload-modules.js';
import { createReviewPage, type ReviewPageOptions } from './review-page.js';

/** Quiet time after a save before a changed prompt is generated in the dev server. */
const DEV_DEBOUNCE_MS = 400;
/**
 * Quiet time after a file event before the file is read: a save that truncates then writes
 * can fire its only event (the watcher throttles the rest) while the file is still empty.
 */
const SAVE_SETTLE_MS = 100;

/**
 * The dev server: offline placeholders for what is missing, background generation of edited
 * prompts, derivatives served on demand, and a plan reused until content or the lock changes.
 */
export interface DevSession {
  configureServer(server: ViteDevServer): void;
  /** The site's heroes (or only these files'), with placeholders stored for what is missing. */
  entries(only?: string[]): Promise<Map<string, HeroEntry>>;
  hero(entry: HeroEntry): Promise<HeroImage>;
  /** `plugin.api.heroes()` in dev: every hero of the site. */
  heroes(): Promise<HeroMap>;
  /** HMR of a saved file: a content edit also updates the map of every hero. */
  contentUpdated<M>(file: string, modules: M[], graph: ReloadableGraph<M>): M[] | undefined;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The address the dev server listens on (`0.0.0.0` with `--host`), once it listens. */
function listeningAddress(server: ViteDevServer): string | undefined {
  const address = server.httpServer?.address();
  return address && typeof address === 'object' ? address.address : undefined;
}

/** A hero's image in dev: derivatives planned now, encoded when the browser asks for them. */
async function devHeroImage(state: PluginState, entry: HeroEntry): Promise<HeroImage> {
  if (!entry.stored || !existsSync(entry.original)) throw missingOriginal(entry);
  const deriver = state.getDeriver();
  const set = await deriver.plan(entry.original, state.deriveOptionsFor(entry));
  const base = state.config?.base ?? '/';
  return toHeroImage(
    entry,
    set,
    state.heroContext((image) => devUrlOf(base, deriver.cacheDir, image.path)),
  );
}

/** The review page's middleware; `onChange` refreshes what an action changed. */
function reviewPage(
  review: ReviewPageOptions,
  state: PluginState,
  devServer: ViteDevServer,
  onChange: (files: string[]) => Promise<void>,
) {
  return createReviewPage(review, {
    base: devServer.config.base,
    getSession: state.getSession,
    logger: state.logger(),
    address: () => listeningAddress(devServer),
    onChange,
  });
}

export function createDevSession(state: PluginState): DevSession {
  let server: ViteDevServer | undefined;
  let runner: DebounceRunner | undefined;
  let saves: DebounceRunner | undefined;
  const plan = createDevPlan(state);
  const { knownKeys } = plan;

  function isContent(file: string): boolean {
    return CONTENT_EXTENSIONS.test(file) || knownKeys.has(file);
  }

  const hero = (entry: HeroEntry) => devHeroImage(state, entry);

  /** Reload the modules that show these files' heroes (a new image, a new alt). */
  async function showNewImages(files: string[]): Promise<void> {
    const ids = [...files.map((file) => `${resolve(state.root, file)}?hero`), RESOLVED_VIRTUAL_ID];
    if (server) await reloadModules(server, ids);
  }

  async function generateInBackground(file: string): Promise<void> {
    const s = await state.getSession();
    try {
      const summary = await plan.queue.run([file], () =>
        s.generate({ only: [file], signal: state.abort.signal }),
      );
      plan.invalidate();
      state.lastSummary = summary;
      state.logger().info(`${file}: ${formatSummary(summary)}`);
      await showNewImages([file]);
    } catch (error) {
      state.logger().error(`${file}: ${formatError(error)}`);
    }
  }

  /** A content file was saved: generate its hero in the background if the prompt is new. */
  async function onContentSaved(absolute: string): Promise<void> {
    const file = state.toRelative(absolute);
    const session = state.currentSession();
    if (session && absolute === (await session.catch(() => undefined))?.lockPath) {
      plan.invalidate(); // e.g. `herogen generate` in another terminal
      return;
    }
    if (!isContent(file)) return;
    plan.invalidate();
    try {
      await plan.start();
      const s = await state.getSession();
      const entry = (await plan.current()).get(file);
      const previous = knownKeys.get(file);
      if (!entry) {
        knownKeys.delete(file);
        return;
      }
      knownKeys.set(file, entry.key);
      const changed = entry.key !== previous;
      // A provider that is not paid (offline art) has stored its image already.
      const paid = s.registry.get(entry.provider)?.paid !== false;
      if (changed && entry.pending && paid && s.config.dev === 'generate') {
        runner?.schedule(file);
      }
    } catch (error) {
      state.logger().error(formatError(error));
    }
  }

  return {
    configureServer(devServer) {
      server = devServer;
      runner = createDebounceRunner(DEV_DEBOUNCE_MS, generateInBackground);
      saves = createDebounceRunner(SAVE_SETTLE_MS, onContentSaved);
      // Before the derivative middleware: the page lives under the same `@herogen/` prefix.
      if (state.split.review) {
        devServer.middlewares.use(
          reviewPage(state.split.review, state, devServer, async (files) => {
            plan.invalidate();
            await showNewImages(files);
          }),
        );
      }
      devServer.middlewares.use(
        createDevMiddleware(devServer.config.base, state.getDeriver(), (error) =>
          state.logger().error(formatError(error)),
        ),
      );
      const onFile = (path: string) => saves?.schedule(path);
      devServer.watcher.on('change', onFile);
      devServer.watcher.on('add', onFile);
      devServer.watcher.on('unlink', (path: string) => {
        if (isContent(state.toRelative(path))) plan.invalidate();
      });
    },
    entries: plan.entries,
    hero,
    async heroes() {
      const all = await plan.entries();
      const sorted = [...all.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
      const heroes: HeroMap = {};
      for (const entry of sorted) heroes[entry.file] = await hero(entry);
      return heroes;
    },
    contentUpdated(file, modules, graph) {
      if (!isContent(state.toRelative(file))) return undefined;
      // Runs before the page refetches: the next load must plan the edited file afresh.
      plan.invalidate();
      const virtual = reloadable(graph, RESOLVED_VIRTUAL_ID);
      return virtual ? [...modules, virtual] : undefined;
    },
    async idle() {
      await saves?.idle();
      await runner?.idle();
    },
    async close() {
      saves?.cancel();
      runner?.cancel();
      state.abort.abort();
      await (await state.currentSession()?.catch(() => undefined))?.close();
    },
  };
}
