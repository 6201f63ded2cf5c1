import type { HerogenConfig } from './schema.js';

/** Identity helper: gives `herogen.config.ts` autocompletion and type checks. */
export function defineConfig(config: HerogenConfig): HerogenConfig {
  return config;
}
