import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { HeroField } from './config/fields.js';
import {
  type ConfigSource,
  loadProjectConfig,
  type ProjectConfigOptions,
} from './config/project-config.js';
import type { ResolvedConfig } from './config/schema.js';
import { combineErrors, formatError, HerogenError } from './errors.js';
import { removeStaleTempFiles } from './fs/atomic-write.js';
import { resolveProjectLayout } from './fs/project-layout.js';
import { openBatchKeys, readBatchesFile } from './lock/batches-file.js';
import { createCachedLockReader } from './lock/cached-lock.js';
import { lockFromText, readLockText } from './lock/read-lock.js';
import { resolveEntryHero } from './plan/entry-hero.js';
import { type PlannedHero, planHero, planJobs } from './plan/plan-jobs.js';
import { collectRecordedCosts } from './pricing/calibrate.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { type BatchCommands, createBatchCommands } from './run/batch-commands.js';
import { sumEstimates } from './run/budget.js';
import { runJobs } from './run/run-jobs.js';
import { createWarningFilter } from './scan/said-warnings.js';
import { scanContent } from './scan/scan-content.js';
import { checkStoredFile, checkStoredFiles } from './store/check-stored.js';
import { recoverIncoming } from './store/recover-incoming.js';
import { printablePath } from './text/printable.js';
import type {
  ContentHero,
  EntryHero,
  HerogenSession,
  Logger,
  PlanResult,
  RunOptions,
  RunSummary,
} from './types.js';

export interface CreateHerogenOptions extends ProjectConfigOptions {
  logger?: Logger;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Bind herogen to a project: load and validate its config once, then plan and generate. */
export async function createHerogen(options: CreateHerogenOptions): Promise<
  HerogenSession & {
    readonly config: ResolvedConfig;
    readonly registry: ProviderRegistry;
    /** Where the configuration came from (`describeConfigSource` prints it). */
    readonly configSource: ConfigSource;
    /** OpenAI Batch API backfills: submit, status, collect, cancel. */
    readonly batch: BatchCommands;
  }
> {
  await checkRoot(path.resolve(options.root));
  const { root, config, env, source } = await loadProjectConfig(options);
  const siteConfig = config;
  const logger = options.logger ?? silentLogger;
  const registry = createProviderRegistry(config, env);
  const layout = resolveProjectLayout(root, config);
  const { lockPath, outDir } = layout;
  // resolveEntry runs once per content entry: parse the lock only when the file changed.
  const readEntryLock = createCachedLockReader(lockPath);
  const freshWarnings = createWarningFilter(root);

  async function plan(
    planOptions: { only?: string[]; fields?: readonly HeroField[] } = {},
  ): Promise<PlanResult> {
    // `fields`: scan other fields than the configured ones (prune: those the lock recorded).
    const config = planOptions.fields
      ? { ...siteConfig, field: [...planOptions.fields] }
      : siteConfig;
    // The lock's bytes are read while the content is scanned, and parsed after it, as before;
    // a read error is reported at that point too (never unhandled if the scan throws).
    const lockText = readLockText(lockPath);
    lockText.catch(() => {});
    const scan = await scanContent({ root, config, logger });
    if (scan.errors.length > 0) throw combineErrors(scan.errors, 'content');
    const heroes = planOptions.only
      ? scan.heroes.filter((hero) => planOptions.only!.includes(hero.file))
      : scan.heroes;
    const lock = lockFromText(await lockText, lockPath);
    const stored = await checkStoredFiles(root, outDir, lock, { hash: false });
    const { jobs, errors } = planJobs({
      heroes,
      config,
      registry,
      lock,
      stored,
      layout,
      recordedCosts: () => collectRecordedCosts(lock),
    });
    if (errors.length > 0) throw combineErrors(errors, 'content');
    return {
      jobs,
      files: scan.files,
      warnings: scan.warnings,
      estimateUsd: sumEstimates(jobs.filter((job) => job.status !== 'cached')),
      provider: { id: registry.defaultId, reason: registry.reason },
    };
  }

  async function recover(): Promise<void> {
    // Images a killed run received but did not record go into the lock before planning, so
    // they count as stored and are never paid for again.
    await recoverIncoming({ root, lockPath, outDir, logger }).catch((error: unknown) => {
      logger.warn(
        `could not recover images left by an interrupted run: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  return {
    root,
    lockPath,
    outDir,
    layout,
    batch: createBatchCommands({ layout, config, registry, logger }, () => plan(), recover),
    config,
    registry,
    configSource: source,
    plan,
    async generate(runOptions: RunOptions = {}): Promise<RunSummary> {
      await recover();
      const planned = await plan(runOptions.only ? { only: runOptions.only } : {});
      await clearStaleTempFiles([outDir, path.dirname(lockPath)], logger);
      for (const warning of await freshWarnings(planned.warnings))
        logger.warn(formatError(warning));
      // Heroes an open batch is making are not paid for twice (config `waitForBatch`).
      const open = openBatchKeys(await readBatchesFile(layout.batches));
      const batches = new Map([...open].map(([key, batch]) => [key, batch.id]));
      return runJobs(planned.jobs, { layout, config, registry, logger, batches }, runOptions);
    },
    async resolveEntry(
      file: string,
      data: Record<string, unknown>,
      entryOptions: { field?: string } = {},
    ): Promise<EntryHero | undefined> {
      // Line numbers only for a problem: this runs once per content entry of a load.
      const target = { root, config, file, data, ...entryOptions };
      const hero = await resolveEntryHero({ ...target, locate: false });
      if (!hero) return undefined;
      const lock = await readEntryLock();
      const planned = await planLocated(hero, { config, registry, lock, layout }, () =>
        resolveEntryHero(target),
      );
      const entry = lock.images[planned.key];
      const stored = entry ? await checkStoredFile(root, outDir, planned.key, entry) : undefined;
      return {
        key: planned.key,
        absolutePath: path.resolve(root, entry?.file ?? planned.file),
        file: entry?.file ?? planned.file,
        alt: hero.spec.alt ?? (hero.spec.decorative ? '' : planned.request.prompt),
        decorative: hero.spec.decorative,
        prompt: planned.request.prompt,
        provider: planned.request.provider,
        model: planned.request.model,
        placeholder: entry?.placeholder === true || !entry,
        exists: stored === 'ok',
      };
    },
    async close() {},
  };
}

/** planHero; when it throws, the same error again with the hero's line numbers read. */
async function planLocated(
  hero: ContentHero,
  input: Parameters<typeof planHero>[1],
  locate: () => Promise<ContentHero | undefined>,
): Promise<PlannedHero> {
  try {
    return planHero(hero, input);
  } catch (error) {
    const located = await locate();
    if (located) planHero(located, input);
    throw error;
  }
}

/** Temp files of a writer that was killed mid-write are never valid images: clear them. */
async function clearStaleTempFiles(dirs: readonly string[], logger: Logger): Promise<void> {
  for (const dir of new Set(dirs)) {
    for (const removed of await removeStaleTempFiles(dir)) {
      logger.debug(`removed a temp file left by an interrupted run: ${removed}`);
    }
  }
}

/** A root that is not a folder is the caller's mistake (`--root`), not something to crash on. */
async function checkRoot(root: string): Promise<void> {
  const stats = await stat(root).catch(() => undefined);
  if (stats?.isDirectory()) return;
  throw new HerogenError(
    'CONFIG_INVALID',
    `the project root ${printablePath(root)} ${stats ? 'is not a folder' : 'does not exist'}.`,
    {
      hint: 'Run herogen in the project folder, or pass --root the folder that holds your content and herogen config.',
    },
  );
}
