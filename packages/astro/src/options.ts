import type { HerogenConfig } from '@herogen/core';

/** Options of the `herogen()` integration: every herogen config option, plus where to read them. */
export interface HerogenAstroOptions extends HerogenConfig {
  /** A config file to read instead of discovering `herogen.config.*`; `false` ignores any. */
  configFile?: string | false;
  /** Environment for API keys and base URLs. @default process.env */
  env?: Record<string, string | undefined>;
}

export interface SplitOptions {
  config: HerogenConfig;
  configFile: string | false | undefined;
  env: Record<string, string | undefined> | undefined;
}

/** Separate the integration's own options from the herogen config it passes on (strictly validated). */
export function splitOptions(options: HerogenAstroOptions): SplitOptions {
  const { configFile, env, ...config } = options;
  return { config, configFile, env };
}
