import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  agree,
  CONFIG_FILE_NAMES,
  createHerogen,
  findSiteConfigFile,
  formatError,
  formatSummary,
  HerogenError,
  judgeRun,
  markInlineOptions,
  plural,
  type RunSummary,
} from '@herogen/core';
import type { AstroIntegration, AstroIntegrationLogger } from 'astro';
import { createContentRefresher } from './dev-content-refresh.js';
import { whenIdle } from './dev-idle.js';
import { preventStaleDevImages } from './dev-image-cache.js';
import { unreportedErrors, watchContent } from './dev-watcher.js';
import { toAstroError } from './errors.js';
import { type HerogenAstroOptions, splitOptions } from './options.js';
import { createProjectState, logEvent } from './project-state.js';
import { type ProjectState, registerProject, unregisterProject } from './registry.js';
import { addReviewApp, serveReview } from './review.js';

/**
 * AI hero images for Astro: every missing image is generated before content sync, stored in
 * the project, and handed to astro:assets through the `herogenLoader()` content loader.
 */
export function herogen(options: HerogenAstroOptions = {}): AstroIntegration {
  const { config, configFile, env, review: reviewOptions } = splitOptions(options);
  let project: ProjectState | undefined;
  let root = '';
  let stopWatching: (() => void) | undefined;
  let startupCheck: ((server: DevServer) => Promise<void>) | undefined;
  let devServer: DevServer | undefined;
  let cancelCheck: (() => void) | undefined;

  async function close() {
    startupCheck = undefined;
    devServer = undefined;
    cancelCheck?.();
    cancelCheck = undefined;
    stopWatching?.();
    stopWatching = undefined;
    if (!project) return;
    unregisterProject(root, project);
    await project.session.close();
    project = undefined;
  }

  const integration: AstroIntegration = {
    name: '@herogen/astro',
    hooks: {
      'astro:config:setup': async ({
        config: astroConfig,
        command,
        logger,
        addWatchFile,
        updateConfig,
        addDevToolbarApp,
      }) => {
        await close();
        const added = astroConfig.integrations.filter((entry) => entry.name === '@herogen/astro');
        if (added.length > 1) throw toAstroError(addedTwice(added.length));
        root = path.resolve(fileURLToPath(astroConfig.root));
        // Astro does not say which config file it loaded; a `--config` elsewhere is not found
        // and errors then say "inline options".
        const site = findSiteConfigFile(root);
        const astroConfigFile = site?.kind === 'astro' ? site.file : undefined;
        const session = await createHerogen({
          root,
          config,
          ...(astroConfigFile ? { inlineFile: astroConfigFile } : {}),
          logger,
          ...(configFile !== undefined ? { configFile } : {}),
          ...(env ? { env } : {}),
        }).catch((error: unknown) => {
          throw toAstroError(error);
        });
        // content.config.ts runs through Vite: keep core (Node-only: sharp, undici) out of it.
        updateConfig({
          vite: { environments: { astro: { resolve: { external: ['@herogen/core'] } } } },
        });
        // Editing herogen.config.* restarts the dev server, like editing astro.config.*.
        for (const name of CONFIG_FILE_NAMES) {
          if (existsSync(path.join(root, name))) addWatchFile(path.join(root, name));
        }
        const dev = command === 'dev';
        if (dev && reviewOptions) addReviewApp(addDevToolbarApp);
        project = createProjectState({ session, logger, mode: dev ? 'dev' : 'build' });
        registerProject(root, project);
        if (command === 'preview') return;
        if (dev) {
          // Checked once the server listens and is idle (astro:server:start), off the path to
          // the first page: the loader stores a stand-in for any entry it parses whose image is
          // missing, so pages are right before the check.
          startupCheck = checkDevStart(project, logger, paidDefault(session));
          return;
        }
        // Runs before content sync, so every entry finds its image on disk.
        const summary = await session
          .generate({ onEvent: (event) => logEvent(logger, event) })
          .catch((error: unknown) => {
            throw toAstroError(error);
          });
        report(summary, logger, false);
        const verdict = judgeRun(summary, session.config, session.registry);
        for (const warning of verdict.warnings) logger.warn(warning);
        if (verdict.error) throw toAstroError(verdict.error);
      },
      'astro:server:setup': ({ server, toolbar, refreshContent }) => {
        if (!project) return;
        const refresh = createContentRefresher({ server, refreshContent });
        devServer = { server, refresh };
        preventStaleDevImages(server, project.session.layout.outDir);
        if (reviewOptions) serveReview({ server, toolbar, refresh }, project, reviewOptions);
        stopWatching = watchContent({
          server,
          project,
          mode: project.session.config.dev,
          refresh,
        });
      },
      'astro:server:start': () => {
        const check = startupCheck;
        const dev = devServer;
        startupCheck = undefined;
        // Not awaited, and not before the first page is served: it would share its thread.
        if (check && dev) cancelCheck = whenIdle(dev.server, () => void check(dev));
      },
      'astro:server:done': close,
      'astro:build:done': close,
    },
  };
  // The CLI reads these options from astro.config.* (loadSiteConfig): one configuration.
  return markInlineOptions(integration, {
    config,
    ...(configFile !== undefined ? { configFile } : {}),
    ...(env ? { env } : {}),
  });
}

type ServerSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:server:setup']>>[0];
/** The dev server, and how herogen's loaders are re-run there (`createContentRefresher`). */
type DevServer = Pick<ServerSetup, 'server'> & { refresh: () => Promise<void> };

/** Offline art is the default provider's image, not a placeholder waiting for a paid one. */
function paidDefault(session: ProjectState['session']): boolean {
  return session.registry.get(session.registry.defaultId)?.paid !== false;
}

/**
 * The dev server's start-up run over the whole site, frozen (never pays): stand-ins for missing
 * images, the summary and the placeholder notice, warnings and errors, logged when ready. Runs
 * in turn with the loaders' own runs; what it stores reaches the pages through a content refresh.
 */
function checkDevStart(
  project: ProjectState,
  logger: AstroIntegrationLogger,
  paid: boolean,
): (dev: DevServer) => Promise<void> {
  const { session } = project;
  return async ({ refresh }) => {
    try {
      const { summary, lockChanged } = await project.exclusive(async () => {
        const before = await lockStamp(session.lockPath);
        const summary = await session.generate({
          frozen: true,
          onEvent: (event) => logEvent(logger, event),
        });
        return { summary, lockChanged: (await lockStamp(session.lockPath)) !== before };
      });
      report(summary, logger, paid);
      // Only strict mode can fail a frozen run, never the API.
      const verdict = judgeRun(summary, session.config, session.registry);
      for (const warning of verdict.warnings) logger.warn(warning);
      if (verdict.error) logger.error(formatError(verdict.error));
      // Stand-ins it stored (images deleted or not yet made): the pages show them now.
      if (!lockChanged) return;
      await refresh();
    } catch (error) {
      // A frontmatter mistake in a file a loader parses is Astro's to report (it did, in sync).
      for (const unreported of unreportedErrors(error, project.loaderFiles)) {
        logger.error(formatError(unreported));
      }
    }
  };
}

async function lockStamp(lockPath: string): Promise<string> {
  const stats = await stat(lockPath).catch(() => undefined);
  return stats ? `${stats.size}:${stats.mtimeMs}` : 'none';
}

/** `paidDev`: a dev server whose placeholders a save (or a build) would turn into AI images. */
function report(summary: RunSummary, logger: AstroIntegrationLogger, paidDev: boolean) {
  if (summary.results.length === 0) {
    logger.info('no hero prompts found');
    return;
  }
  logger.info(formatSummary(summary));
  const waiting = summary.results.filter((result) => result.status === 'placeholder').length;
  if (paidDev && waiting > 0) {
    logger.info(
      `${plural(waiting, 'hero image')} ${agree(waiting, 'is an offline placeholder', 'are offline placeholders')}: the dev server never pays on page load. Save a post to generate its image, or run \`astro build\`.`,
    );
  }
}

/** Two herogen() integrations would scan, plan and lock the same project twice. */
function addedTwice(count: number): HerogenError {
  return new HerogenError(
    'CONFIG_INVALID',
    `herogen() is added to \`integrations\` ${count} times; one site has one herogen configuration.`,
    {
      hint: "Keep one herogen() and list every frontmatter field it fills, e.g. herogen({ field: { hero: 'hero', heroImage: 'image' } }).",
    },
  );
}
