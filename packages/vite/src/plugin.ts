import { formatError, markInlineOptions, type RunSummary } from '@herogen/core';
import type { Deriver } from '@herogen/core/derive';
import type { Plugin } from 'vite';
import { createBuildSession } from './build-session.js';
import { createDevSession } from './dev-session.js';
import type { HeroMap } from './hero.js';
import { HERO_ID_FILTER, RESOLVED_VIRTUAL_ID, VIRTUAL_ID } from './ids.js';
import { type HeroSource, loadModule } from './load-module.js';
import { type HerogenViteOptions, splitOptions } from './options.js';
import { createPluginState, type Session } from './plugin-state.js';

/** Reachable as `plugin.api` (tests, benchmarks, other plugins). */
export interface HerogenPluginApi {
  /** The project session (created on first use). */
  getSession(): Promise<Session>;
  /** The derivative cache in use; `counters` show what was encoded vs reused. */
  getDeriver(): Deriver;
  /** Summary of the last full-site generation (build) or background run (dev). */
  readonly lastSummary: RunSummary | undefined;
  /** Resolves once no dev background generation is scheduled or running. */
  idle(): Promise<void>;
  /**
   * Every hero with the URLs the site serves, for code that runs in Node outside the module
   * graph (VitePress's `transformHead`, an SSG script). Dev: every hero of the site. Build: the
   * heroes the browser build emitted, once its bundle is generated (so from `transformHead`, not
   * from a transform).
   */
  heroes(): Promise<HeroMap>;
}

/** The plugin, with its `api` always present (Vite's type leaves it optional). */
export type HerogenPlugin = Plugin<HerogenPluginApi> & { api: HerogenPluginApi };

/** Vite 5 has no environments: everything is one `default` one. */
function envName(context: { environment?: { name: string } }): string {
  return context.environment?.name ?? 'default';
}

/**
 * The herogen Vite plugin: `import hero from './post.md?hero'` and `virtual:herogen` give
 * responsive, cached images for prompts in Markdown frontmatter. Hooks only delegate: build
 * state lives in build-session.ts, dev state in dev-session.ts.
 */
export function herogen(options: HerogenViteOptions = {}): HerogenPlugin {
  const split = splitOptions(options);
  const state = createPluginState(split);
  const build = createBuildSession(state);
  const dev = createDevSession(state);
  const isBuild = () => state.config?.command === 'build';

  const plugin: HerogenPlugin = {
    name: '@herogen/vite',
    enforce: 'pre',
    api: {
      getSession: state.getSession,
      getDeriver: state.getDeriver,
      get lastSummary() {
        return state.lastSummary;
      },
      idle: dev.idle,
      heroes: async () => (isBuild() ? build.heroes() : dev.heroes()),
    },

    configResolved(resolved) {
      state.configResolved(resolved);
    },

    async buildStart() {
      if (!isBuild()) return;
      build.startEnvironment(envName(this));
      await build.entries().catch((error: unknown) => this.error(formatError(error)));
    },

    watchChange() {
      build.reset();
    },

    configureServer(server) {
      dev.configureServer(server);
    },

    hotUpdate({ file, modules }) {
      return dev.contentUpdated(file, modules, this.environment.moduleGraph);
    },

    // Vite 5 (no `hotUpdate`); Vite 6 and later call `hotUpdate` above instead.
    handleHotUpdate({ file, modules, server }) {
      return dev.contentUpdated(file, modules, server.moduleGraph);
    },

    resolveId: {
      filter: { id: new RegExp(`^${VIRTUAL_ID}$`) },
      handler(id) {
        return id === VIRTUAL_ID ? RESOLVED_VIRTUAL_ID : undefined;
      },
    },

    load: {
      filter: { id: [HERO_ID_FILTER, new RegExp(`^\\0${VIRTUAL_ID}$`)] },
      handler(id) {
        const env = envName(this);
        const source: HeroSource = isBuild()
          ? { entries: build.entries, hero: (entry) => build.hero(this, env, entry) }
          : dev;
        return loadModule(id, {
          source,
          toRelative: state.toRelative,
          addWatchFile: (file) => this.addWatchFile(file),
        });
      },
    },

    generateBundle() {
      if (!isBuild()) return;
      // Vite 5 has no environments; its SSR build (VitePress's second one) sets build.ssr.
      const ssr = this.environment
        ? this.environment.config.consumer === 'server'
        : Boolean(state.config?.build.ssr);
      if (!ssr) build.bundleGenerated(envName(this), (ref) => this.getFileName(ref));
    },

    async closeBundle() {
      // Build: release HTTP agents so `vite build` exits; a later environment makes a new session.
      await (isBuild() ? state.closeSession() : dev.close());
    },
  };
  // The CLI reads these options from vite.config.* (loadSiteConfig): one configuration.
  return markInlineOptions(plugin, {
    config: split.core,
    ...(split.configFile !== undefined ? { configFile: split.configFile } : {}),
  });
}
