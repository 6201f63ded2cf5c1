// Public API of @herogen/core. Explicit names only: what is not here is internal.
export { defineConfig } from './config/define-config.js';
export { loadConfigFile } from './config/load.js';
export { resolveConfig } from './config/resolve.js';
export { configSchema, type HerogenConfig, type ResolvedConfig } from './config/schema.js';
export * from './derive/index.js';
export * from './errors.js';
export { canonicalJson, computeKey, KEY_VERSION, originalFileName } from './key/cache-key.js';
export { withKeyClaim } from './lock/claim.js';
export { readLock } from './lock/read-lock.js';
export { serializeLock } from './lock/serialize-lock.js';
export { updateLock } from './lock/update-lock.js';
export { buildPrompt } from './plan/build-prompt.js';
export { resolveEntryHero } from './plan/entry-hero.js';
export { type Plan, type PlannedHero, planHero, planJobs } from './plan/plan-jobs.js';
// ai-sdk: pending
// define-provider: pending
export { createHiapiProvider } from './providers/hiapi.js';
export { createLocalProvider, renderPlaceholder } from './providers/local.js';
export { createOpenAIProvider } from './providers/openai.js';
export { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
export { sizeForAspect, validateOpenAISize } from './providers/sizing.js';
export { type Budget, checkBudget } from './run/budget.js';
export { formatSummary, formatUsd } from './run/format-summary.js';
export { type RunContext, runJobs } from './run/run-jobs.js';
export { createScheduler, type Scheduler } from './run/scheduler.js';
export { parseFrontmatter, parseHeroField, type ScanResult, scanContent } from './scan/index.js';
export { type CreateHerogenOptions, createHerogen } from './session.js';
export { checkStoredFiles, verifyOriginals } from './store/check-stored.js';
export { inspectImage } from './store/inspect-image.js';
export { storeOriginal } from './store/store-original.js';
export * from './types.js';
