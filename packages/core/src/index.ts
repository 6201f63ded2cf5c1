// Public API of @herogen/core. Explicit names only: what is not here is internal.
export { defineConfig } from './config/define-config.js';
export { describeFields, type FieldMode, type HeroField } from './config/fields.js';
export {
  CONFIG_FILE_NAMES,
  findConfigFile,
  type LoadedConfigFile,
  loadConfigFile,
} from './config/load.js';
export {
  type ConfigSource,
  describeConfigSource,
  loadProjectConfig,
  type ProjectConfig,
  type ProjectConfigOptions,
} from './config/project-config.js';
export type { ResolveConfigOptions } from './config/resolve.js';
export { resolveConfig } from './config/resolve.js';
export { configSchema, type HerogenConfig, type ResolvedConfig } from './config/schema.js';
export {
  findSiteConfigFile,
  INLINE_OPTIONS,
  type InlineOptions,
  loadSiteConfig,
  markInlineOptions,
  type SiteConfig,
} from './config/site-config.js';
export * from './derive/index.js';
export * from './errors.js';
export {
  listStaleTempFiles,
  removeStaleTempFiles,
  writeFileAtomic,
  writeFileAtomicNow,
} from './fs/atomic-write.js';
export { layoutForVariants, resolveProjectLayout } from './fs/project-layout.js';
export { createHttpClient, type HttpClient, type HttpClientOptions } from './http/client.js';
export { cleanExternalText, describeUrlSetting, redact } from './http/redact.js';
export type { RetryInfo } from './http/retry.js';
export { hasPlaceholderMarker, PLACEHOLDER_MARKER } from './image/placeholder-marker.js';
export {
  type Aspect,
  formatSize,
  hiapiAspects,
  hiapiSize,
  isValidOpenAISize,
  nearestHiapiAspect,
  OPENAI_SIZE_LIMITS,
  type PixelSize,
  parseAspect,
  parseSize,
  RESOLUTION_PIXELS,
  sizeForAspect,
  validateOpenAISize,
} from './image/sizing.js';
export {
  canonicalJson,
  computeKey,
  imageExtension,
  KEY_PATTERN,
  KEY_VERSION,
  originalFileName,
} from './key/cache-key.js';
export {
  BATCHES_FILE_NAME,
  batchesPathFor,
  imagesOf,
  openBatchKeys,
  parseBatchesFile,
  readBatchesFile,
} from './lock/batches-file.js';
export { type ClaimOptions, claimKey, type KeyClaim, withKeyClaim } from './lock/claim.js';
export { clearDeadHolder } from './lock/file-lock.js';
export { parseLock, readLock } from './lock/read-lock.js';
export { createEmptyLock, serializeLock } from './lock/serialize-lock.js';
export { updateLock } from './lock/update-lock.js';
export { buildPrompt } from './plan/build-prompt.js';
export { resolveEntryHero } from './plan/entry-hero.js';
export { unknownModelNotes } from './plan/model-notes.js';
export {
  type Plan,
  type PlanInput,
  type PlannedHero,
  planHero,
  planJobs,
} from './plan/plan-jobs.js';
export {
  findPriceOverride,
  PRICE_KEY_PATTERN,
  type PriceOverrideMatch,
  type PriceOverrides,
  withPriceOverrides,
} from './pricing/overrides.js';
export { type AiSdkImageModel, type AiSdkProviderOptions, aiSdk } from './providers/ai-sdk.js';
export { defineProvider, type ProviderDefinition } from './providers/define-provider.js';
export type { HiapiProviderOptions } from './providers/hiapi.js';
export { createHiapiProvider } from './providers/hiapi.js';
export {
  createLocalProvider,
  LOCAL_DEFAULT_MODEL,
  LOCAL_PROVIDER_ID,
  type LocalProviderOptions,
  type PlaceholderOptions,
  renderPlaceholder,
} from './providers/local.js';
export type { OpenAIProviderOptions } from './providers/openai.js';
export { createOpenAIProvider } from './providers/openai.js';
export { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
export * from './review/index.js';
export type {
  BatchCollectResult,
  BatchLineFailure,
  BatchLoss,
  BatchView,
} from './run/batch-collect.js';
export type { BatchCommands } from './run/batch-commands.js';
export {
  type BatchSubmitOptions,
  type BatchSubmitResult,
  batchPriced,
  type NotBatchable,
  sortForBatch,
} from './run/batch-submit.js';
export { type Budget, checkBudget } from './run/budget.js';
export { formatSummary, formatUsd } from './run/format-summary.js';
export { type RunContext, runJobs } from './run/run-jobs.js';
export { isSiteConfigError, judgeRun, type RunVerdict } from './run/run-verdict.js';
export { createScheduler, type Scheduler } from './run/scheduler.js';
export {
  HERO_KEYS,
  type HeroFieldContext,
  type HeroFieldResult,
  heroObjectSchema,
  MAX_REFERENCES,
  type ParsedFrontmatter,
  parseFrontmatter,
  parseHeroField,
  SCAN_IGNORE,
  type ScanOptions,
  type ScanResult,
  scanContent,
} from './scan/index.js';
export { type CreateHerogenOptions, createHerogen } from './session.js';
export { checkStoredFiles, type VerifyResult, verifyOriginals } from './store/check-stored.js';
export { inspectImage } from './store/inspect-image.js';
export { LFS_PULL_HINT } from './store/lfs-pointer.js';
export {
  type OriginalKind,
  type OriginalState,
  type Originals,
  originalNameProblem,
  originalsAt,
} from './store/original-file.js';
export { clearPendingTask, foldPendingTasks, recordPendingTask } from './store/pending-task.js';
export {
  type RecoveredImage,
  type RecoverIncomingOptions,
  recoverIncoming,
} from './store/recover-incoming.js';
export { storeOriginal } from './store/store-original.js';
export { agree, plural } from './text/plural.js';
export { printablePath, stripControls } from './text/printable.js';
export * from './types.js';
