import path from 'node:path';
import { createHerogen, type HerogenConfig, type Logger } from '@herogen/core';

/** Flags every command accepts. */
export interface GlobalFlags {
  root?: string;
  config?: string;
  json?: boolean;
  concurrency?: number;
  frozen?: boolean;
  /** `--no-wait-batch`: pay now for heroes an open batch covers. */
  waitBatch?: boolean;
  strict?: boolean;
  budget?: number;
  maxImages?: number;
  /** `--no-site-config`: do not read herogen()'s options from astro.config.* / vite.config.*. */
  siteConfig?: boolean;
}

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** CLI flags → config overrides (only the ones given, so the config file keeps the rest). */
export function flagsToConfig(flags: GlobalFlags): Partial<HerogenConfig> {
  const config: Partial<HerogenConfig> = {};
  if (flags.concurrency !== undefined) config.concurrency = Number(flags.concurrency);
  if (flags.frozen) config.frozen = true;
  if (flags.waitBatch === false) config.waitForBatch = false;
  if (flags.strict) config.strict = true;
  if (flags.budget !== undefined || flags.maxImages !== undefined) {
    config.budget = {
      ...(flags.budget !== undefined ? { maxUsd: Number(flags.budget) } : {}),
      ...(flags.maxImages !== undefined ? { maxImages: Number(flags.maxImages) } : {}),
    };
  }
  return config;
}

export function createLogger(io: CliIO, json: boolean): Logger {
  // With --json, stdout carries only the JSON document: everything else goes to stderr.
  const out = json ? io.stderr : io.stdout;
  return {
    debug: (message) => {
      if (io.env.HEROGEN_DEBUG) io.stderr.write(`debug: ${message}\n`);
    },
    info: (message) => out.write(`${message}\n`),
    warn: (message) => io.stderr.write(`warning: ${message}\n`),
    error: (message) => io.stderr.write(`error: ${message}\n`),
  };
}

export async function openSession(flags: GlobalFlags, io: CliIO) {
  const root = path.resolve(io.cwd, flags.root ?? '.');
  return createHerogen({
    root,
    flags: flagsToConfig(flags),
    ...(flags.config ? { configFile: path.resolve(io.cwd, flags.config) } : {}),
    ...(flags.siteConfig === false ? { siteConfig: false } : {}),
    logger: createLogger(io, flags.json === true),
    env: io.env,
  });
}
