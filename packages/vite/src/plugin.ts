import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, relative, resolve } from 'node:path';
import {
  type CreateHerogenOptions,
  createHerogen,
  formatError,
  formatSummary,
  HerogenError,
  judgeRun,
  type Logger,
  markInlineOptions,
  type RunSummary,
} from '@herogen/core';
import {
  createDeriver,
  type DerivedImage,
  type DerivedSet,
  type Deriver,
} from '@herogen/core/derive';
import type { Plugin, ResolvedConfig, ViteDevServer } from 'vite';
import { createDebounceRunner, type DebounceRunner } from './debounce-runner.js';
import { createDevMiddleware, devUrlOf } from './dev-middleware.js';
import { collectEntries, type HeroEntry } from './entries.js';
import type { HeroImage, HeroMap } from './hero.js';
import { heroModuleCode, toHeroImage, virtualModuleCode } from './hero-image.js';
import {
  CONTENT_EXTENSIONS,
  HERO_ID_FILTER,
  heroFileOf,
  RESOLVED_VIRTUAL_ID,
  VIRTUAL_ID,
} from './ids.js';
import { type HerogenViteOptions, splitOptions } from './options.js';

type Session = Awaited<ReturnType<typeof createHerogen>>;

/** Quiet time after a save before a changed prompt is generated in the dev server. */
const DEV_DEBOUNCE_MS = 400;

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

/** A hero emitted in one build: what it is made of and each derivative's asset reference. */
interface BuiltHero {
  entry: HeroEntry;
  set: DerivedSet;
  refs: Map<string, string>;
}

interface EmitContext {
  emitFile(file: { type: 'asset'; name: string; source: Uint8Array }): string;
}

function posix(path: string): string {
  return path.split('\\').join('/');
}

function notAHero(file: string): HerogenError {
  return new HerogenError('CONTENT_INVALID', `${file} has no hero image to import.`, {
    location: { file },
    hint: 'Give it a `hero:` field with a prompt, and make sure the plugin option `content` (or herogen.config) globs match it.',
  });
}

function heroesNotBuiltYet(): HerogenError {
  return new HerogenError(
    'CONFIG_INVALID',
    'plugin.api.heroes() was called during a build before its browser bundle was generated, so the image URLs are not known yet.',
    {
      hint: 'Call it from a hook that runs after the bundle (VitePress transformHead, closeBundle), or import `virtual:herogen` in code that is bundled.',
    },
  );
}

function missingOriginal(entry: HeroEntry): HerogenError {
  return new HerogenError(
    'STORE_IO',
    `The image for ${entry.file} is not on disk (${entry.key}).`,
    {
      location: { file: entry.file },
      hint: 'Run `herogen generate`, or check the build log above for why it failed.',
    },
  );
}

/**
 * The herogen Vite plugin: `import hero from './post.md?hero'` and `virtual:herogen` give
 * responsive, cached images for prompts in Markdown frontmatter.
 */
/** The plugin, with its `api` always present (Vite's type leaves it optional). */
export type HerogenPlugin = Plugin<HerogenPluginApi> & { api: HerogenPluginApi };

export function herogen(options: HerogenViteOptions = {}): HerogenPlugin {
  const split = splitOptions(options);
  let config: ResolvedConfig | undefined;
  let root = process.cwd();
  let deriver: Deriver | undefined;
  let session: Promise<Session> | undefined;
  let generation: Promise<RunSummary> | undefined;
  let lastSummary: RunSummary | undefined;
  let server: ViteDevServer | undefined;
  let runner: DebounceRunner | undefined;
  let devReady: Promise<void> | undefined;
  /** Dev: per content file, the run in progress, so runs for one file never overlap. */
  const fileRuns = new Map<string, Promise<unknown>>();
  const abort = new AbortController();
  /** Dev: the key each content file had when last seen, to spot new or changed prompts. */
  const knownKeys = new Map<string, string>();
  /** Build: per environment, derivative path → emitted asset reference. */
  const emitted = new Map<string, Map<string, Promise<string>>>();
  let buildEntries: Promise<Map<string, HeroEntry>> | undefined;
  /** Build: per environment, the heroes it emitted, by content file, with their asset refs. */
  const built = new Map<string, Map<string, BuiltHero>>();
  /** Build: the browser build's heroes with final URLs, once its bundle is generated. */
  let builtHeroes: HeroMap | undefined;

  function logger(): Logger {
    const vite = config?.logger;
    return {
      debug: () => {},
      info: (message) => vite?.info(`herogen: ${message}`, { timestamp: true }),
      warn: (message) => vite?.warn(`herogen: ${message}`, { timestamp: true }),
      error: (message) => vite?.error(`herogen: ${message}`, { timestamp: true }),
    };
  }

  function getSession(): Promise<Session> {
    if (!session) {
      const createOptions: CreateHerogenOptions = { root, config: split.core, logger: logger() };
      // Errors in the plugin's options then name vite.config.* instead of "inline options".
      if (config?.configFile) createOptions.inlineFile = config.configFile;
      if (split.configFile !== undefined) createOptions.configFile = split.configFile;
      session = createHerogen(createOptions);
      session.catch(() => {
        session = undefined;
      });
    }
    return session;
  }

  function getDeriver(): Deriver {
    deriver ??= createDeriver({
      root,
      ...(split.encoders !== undefined ? { concurrency: split.encoders } : {}),
    });
    return deriver;
  }

  const toRelative = (absolute: string) => posix(relative(root, absolute));

  async function planEntries(only?: string[]): Promise<Map<string, HeroEntry>> {
    const s = await getSession();
    const fields = s.config.field.map((field) => field.name);
    return collectEntries(await s.plan(only ? { only } : {}), root, fields);
  }

  /** Dev: the last full plan, reused by every page load until content or the lock changes. */
  let devPlan: Promise<Map<string, HeroEntry>> | undefined;

  function devPlanEntries(): Promise<Map<string, HeroEntry>> {
    if (!devPlan) {
      const pending = planEntries();
      devPlan = pending;
      pending.catch(() => {
        if (devPlan === pending) devPlan = undefined;
      });
    }
    return devPlan;
  }

  function invalidateDevPlan(): void {
    devPlan = undefined;
  }

  function deriveOptionsFor(entry: HeroEntry) {
    // Offline art is not AI-generated: never label it as such.
    return {
      ...split.derive,
      tagAiGenerated: split.derive.tagAiGenerated === true && entry.status === 'generated',
    };
  }

  // ---- build -------------------------------------------------------------------------------

  function generateSite(): Promise<RunSummary> {
    generation ??= (async () => {
      const s = await getSession();
      const summary = await s.generate({ signal: abort.signal });
      lastSummary = summary;
      logger().info(formatSummary(summary));
      // Same judgement as the Astro integration: a refused configuration stops the build.
      const verdict = judgeRun(summary, s.config, s.registry);
      for (const warning of verdict.warnings) logger().warn(warning);
      if (verdict.error) throw verdict.error;
      return summary;
    })();
    return generation;
  }

  function emitImage(
    context: EmitContext,
    env: string,
    entry: HeroEntry,
    image: DerivedImage,
    og: boolean,
  ) {
    let refs = emitted.get(env);
    if (!refs) {
      refs = new Map();
      emitted.set(env, refs);
    }
    let ref = refs.get(image.path);
    if (!ref) {
      const slug = basename(entry.file, extname(entry.file));
      const name = `${slug}-${og ? 'og' : `${image.width}w`}${extname(image.path)}`;
      ref = readFile(image.path).then((source) =>
        context.emitFile({ type: 'asset', name, source }),
      );
      refs.set(image.path, ref);
    }
    return ref;
  }

  async function buildHero(
    context: EmitContext,
    env: string,
    entry: HeroEntry,
  ): Promise<HeroImage> {
    if (!entry.stored || !existsSync(entry.original)) throw missingOriginal(entry);
    const set = await getDeriver().derive(entry.original, deriveOptionsFor(entry));
    const refs = new Map<string, string>();
    await Promise.all(
      [...set.images, set.og].map(async (image) => {
        refs.set(image.path, await emitImage(context, env, entry, image, image === set.og));
      }),
    );
    let heroes = built.get(env);
    if (!heroes) {
      heroes = new Map();
      built.set(env, heroes);
    }
    heroes.set(entry.file, { entry, set, refs });
    return toHeroImage(entry, set, {
      sizes: split.sizes,
      placeholder: split.placeholder,
      urlOf: (image) => `__VITE_ASSET__${refs.get(image.path)}__`,
    });
  }

  /** Build: the emitted heroes of `env` with the file names the bundle gave their assets. */
  function finalHeroes(env: string, fileNameOf: (ref: string) => string): HeroMap {
    const base = config?.base ?? '/';
    const heroes: HeroMap = {};
    const sorted = [...(built.get(env)?.values() ?? [])].sort((a, b) =>
      a.entry.file < b.entry.file ? -1 : 1,
    );
    for (const { entry, set, refs } of sorted) {
      heroes[entry.file] = toHeroImage(entry, set, {
        sizes: split.sizes,
        placeholder: split.placeholder,
        urlOf: (image) => `${base}${fileNameOf(refs.get(image.path) ?? '')}`,
      });
    }
    return heroes;
  }

  /** Node-side access to every hero (`plugin.api.heroes()`). */
  async function heroesForNode(): Promise<HeroMap> {
    if (config?.command === 'build') {
      if (!builtHeroes) throw heroesNotBuiltYet();
      return builtHeroes;
    }
    const entries = [...(await devEntries()).values()].sort((a, b) => (a.file < b.file ? -1 : 1));
    const heroes: HeroMap = {};
    for (const entry of entries) heroes[entry.file] = await devHero(entry);
    return heroes;
  }

  function getBuildEntries(): Promise<Map<string, HeroEntry>> {
    buildEntries ??= generateSite().then(() => planEntries());
    return buildEntries;
  }

  // ---- dev ---------------------------------------------------------------------------------

  /**
   * Run `task` after every earlier run for these files: a placeholder being stored and a paid
   * generation of the same prompt must not race to write one key.
   */
  function serializeFiles<T>(files: string[], task: () => Promise<T>): Promise<T> {
    const earlier = files.map((file) => fileRuns.get(file)?.catch(() => undefined));
    const run = Promise.all(earlier).then(task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    for (const file of files) fileRuns.set(file, settled);
    void settled.then(() => {
      for (const file of files) if (fileRuns.get(file) === settled) fileRuns.delete(file);
    });
    return run;
  }

  /** Store offline placeholders for what is missing, so page loads never wait on a provider. */
  function storePlaceholders(files: string[]): Promise<RunSummary> {
    return serializeFiles(files, async () =>
      (await getSession()).generate({ frozen: true, only: files }),
    );
  }

  function startDev(): Promise<void> {
    devReady ??= (async () => {
      const before = await planEntries();
      const missing = [...before.values()].filter((entry) => !entry.stored);
      if (missing.length > 0) {
        const summary = await storePlaceholders(missing.map((entry) => entry.file));
        invalidateDevPlan();
        logger().info(`dev start: ${formatSummary(summary)}`);
      }
      for (const entry of before.values()) knownKeys.set(entry.file, entry.key);
    })();
    devReady.catch(() => {
      devReady = undefined; // retry on the next request once the content is fixed
    });
    return devReady;
  }

  async function devEntries(only?: string[]): Promise<Map<string, HeroEntry>> {
    await startDev();
    const pick = (all: Map<string, HeroEntry>) =>
      only ? new Map([...all].filter(([file]) => only.includes(file))) : all;
    let entries = pick(await devPlanEntries());
    const missing = [...entries.values()].filter((entry) => !entry.stored);
    if (missing.length > 0) {
      await storePlaceholders(missing.map((entry) => entry.file));
      invalidateDevPlan();
      entries = pick(await devPlanEntries());
    }
    return entries;
  }

  async function devHero(entry: HeroEntry): Promise<HeroImage> {
    if (!entry.stored || !existsSync(entry.original)) throw missingOriginal(entry);
    const d = getDeriver();
    const set = await d.plan(entry.original, deriveOptionsFor(entry));
    const base = config?.base ?? '/';
    return toHeroImage(entry, set, {
      sizes: split.sizes,
      placeholder: split.placeholder,
      urlOf: (image) => devUrlOf(base, d.cacheDir, image.path),
    });
  }

  /** Reload the modules that show a file's hero, in every environment. */
  async function reloadHero(file: string): Promise<void> {
    if (!server) return;
    const ids = [`${resolve(root, file)}?hero`, RESOLVED_VIRTUAL_ID];
    // Vite 5 has one module graph and no environments.
    const legacy = server as Partial<Pick<ViteDevServer, 'environments'>>;
    if (!legacy.environments) {
      for (const id of ids) {
        const module = server.moduleGraph.getModuleById(id);
        if (module) await server.reloadModule(module);
      }
      return;
    }
    for (const environment of Object.values(server.environments)) {
      for (const id of ids) {
        const module = environment.moduleGraph.getModuleById(id);
        if (module) await environment.reloadModule(module);
      }
    }
  }

  async function generateInBackground(file: string): Promise<void> {
    const s = await getSession();
    try {
      const summary = await serializeFiles([file], () =>
        s.generate({ only: [file], signal: abort.signal }),
      );
      invalidateDevPlan();
      lastSummary = summary;
      logger().info(`${file}: ${formatSummary(summary)}`);
      await reloadHero(file);
    } catch (error) {
      logger().error(`${file}: ${formatError(error)}`);
    }
  }

  /** A content file was saved: generate its hero in the background if the prompt is new. */
  async function onContentSaved(absolute: string): Promise<void> {
    const file = toRelative(absolute);
    if (session && absolute === (await session.catch(() => undefined))?.lockPath) {
      invalidateDevPlan(); // e.g. `herogen generate` in another terminal
      return;
    }
    if (!isContent(file)) return;
    invalidateDevPlan();
    try {
      await startDev();
      const s = await getSession();
      const entry = (await devPlanEntries()).get(file);
      const previous = knownKeys.get(file);
      if (!entry) {
        knownKeys.delete(file);
        return;
      }
      knownKeys.set(file, entry.key);
      const changed = entry.key !== previous;
      if (changed && entry.pending && entry.provider !== 'local' && s.config.dev === 'generate') {
        runner?.schedule(file);
      }
    } catch (error) {
      logger().error(formatError(error));
    }
  }

  /** HMR of a saved file: a content edit also updates the map of every hero. */
  function contentUpdated<M>(
    file: string,
    modules: M[],
    graph: { getModuleById(id: string): M | undefined },
  ): M[] | undefined {
    if (!isContent(toRelative(file))) return undefined;
    // Runs before the page refetches: the next load must plan the edited file afresh.
    invalidateDevPlan();
    const virtual = graph.getModuleById(RESOLVED_VIRTUAL_ID);
    return virtual ? [...modules, virtual] : undefined;
  }

  function isContent(file: string): boolean {
    return CONTENT_EXTENSIONS.test(file) || knownKeys.has(file);
  }

  function failure(error: unknown): Error {
    return HerogenError.is(error)
      ? new Error(formatError(error), { cause: error })
      : (error as Error);
  }

  const plugin: HerogenPlugin = {
    name: '@herogen/vite',
    enforce: 'pre',
    api: {
      getSession,
      getDeriver,
      get lastSummary() {
        return lastSummary;
      },
      idle: () => runner?.idle() ?? Promise.resolve(),
      heroes: heroesForNode,
    },

    configResolved(resolved) {
      config = resolved;
      root = resolved.root;
    },

    async buildStart() {
      if (config?.command !== 'build') return;
      const env = this.environment?.name ?? 'default';
      emitted.delete(env);
      built.delete(env);
      try {
        await getBuildEntries();
      } catch (error) {
        this.error(formatError(error));
      }
    },

    watchChange() {
      // `vite build --watch`: plan and generate again on the next round.
      generation = undefined;
      buildEntries = undefined;
    },

    configureServer(devServer) {
      server = devServer;
      runner = createDebounceRunner(DEV_DEBOUNCE_MS, generateInBackground);
      devServer.middlewares.use(
        createDevMiddleware(devServer.config.base, getDeriver(), (error) =>
          logger().error(formatError(error)),
        ),
      );
      const onFile = (path: string) => void onContentSaved(path);
      devServer.watcher.on('change', onFile);
      devServer.watcher.on('add', onFile);
      devServer.watcher.on('unlink', (path: string) => {
        if (isContent(toRelative(path))) invalidateDevPlan();
      });
    },

    hotUpdate({ file, modules }) {
      return contentUpdated(file, modules, this.environment.moduleGraph);
    },

    // Vite 5 (no `hotUpdate`); Vite 6 and later call `hotUpdate` above instead.
    handleHotUpdate({ file, modules, server: devServer }) {
      return contentUpdated(file, modules, devServer.moduleGraph);
    },

    resolveId: {
      filter: { id: new RegExp(`^${VIRTUAL_ID}$`) },
      handler(id) {
        return id === VIRTUAL_ID ? RESOLVED_VIRTUAL_ID : undefined;
      },
    },

    load: {
      filter: { id: [HERO_ID_FILTER, new RegExp(`^\\0${VIRTUAL_ID}$`)] },
      async handler(id) {
        const absolute = heroFileOf(id);
        if (absolute === undefined && id !== RESOLVED_VIRTUAL_ID) return undefined;
        const env = this.environment?.name ?? 'default';
        const dev = config?.command !== 'build';
        try {
          if (absolute !== undefined) {
            this.addWatchFile(absolute);
            const file = toRelative(absolute);
            const entries = dev ? await devEntries([file]) : await getBuildEntries();
            const entry = entries.get(file);
            if (!entry) throw notAHero(file);
            const hero = dev ? await devHero(entry) : await buildHero(this, env, entry);
            return { code: heroModuleCode(hero), moduleType: 'js' };
          }
          const entries = dev ? await devEntries() : await getBuildEntries();
          const sorted = [...entries.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
          const heroes: HeroMap = {};
          const images = await Promise.all(
            sorted.map((entry) => (dev ? devHero(entry) : buildHero(this, env, entry))),
          );
          sorted.forEach((entry, index) => {
            const image = images[index];
            if (image) heroes[entry.file] = image;
          });
          return { code: virtualModuleCode(heroes), moduleType: 'js' };
        } catch (error) {
          throw failure(error);
        }
      },
    },

    generateBundle() {
      if (config?.command !== 'build') return;
      // Vite 5 has no environments; its SSR build (VitePress's second one) sets build.ssr.
      const ssr = this.environment
        ? this.environment.config.consumer === 'server'
        : Boolean(config.build.ssr);
      if (ssr) return;
      builtHeroes = finalHeroes(this.environment?.name ?? 'default', (ref) =>
        this.getFileName(ref),
      );
    },

    async closeBundle() {
      if (config?.command === 'build') {
        // Release HTTP agents so `vite build` exits; a later environment makes a new session.
        const current = session;
        session = undefined;
        await (await current?.catch(() => undefined))?.close();
        return;
      }
      runner?.cancel();
      abort.abort();
      await (await session?.catch(() => undefined))?.close();
    },
  };
  // The CLI reads these options from vite.config.* (loadSiteConfig): one configuration.
  return markInlineOptions(plugin, {
    config: split.core,
    ...(split.configFile !== undefined ? { configFile: split.configFile } : {}),
  });
}
