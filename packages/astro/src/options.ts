import type { HerogenConfig } from '@herogen/core';
import type { ReviewOptions } from './review.js';

/** Options of the `herogen()` integration: every herogen config option, plus where to read them. */
export interface HerogenAstroOptions extends HerogenConfig {
  /** A config file to read instead of discovering `herogen.config.*`; `false` ignores any. */
  configFile?: string | false;
  /** Environment for API keys and base URLs. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * The review toolbar app of `astro dev`. `false` turns it off; `{ allowNonLoopback: true }`
   * keeps it on when the dev server listens beyond this machine (`--host`).
   * @default true
   */
  review?: boolean | ReviewOptions;
}

export interface SplitOptions {
  config: HerogenConfig;
  configFile: string | false | undefined;
  env: Record<string, string | undefined> | undefined;
  /** The review app's options, or false when it is off. */
  review: ReviewOptions | false;
}

/** Separate the integration's own options from the herogen config it passes on (strictly validated). */
export function splitOptions(options: HerogenAstroOptions): SplitOptions {
  const { configFile, env, review, ...config } = options;
  return {
    config,
    configFile,
    env,
    review: review === false ? false : review === true || review === undefined ? {} : review,
  };
}
