import path from 'node:path';
import { toPosixRelative } from '../fs/path-safety.js';
import { loadConfigFile } from './load.js';
import { resolveConfig } from './resolve.js';
import type { HerogenConfig, ResolvedConfig } from './schema.js';
import { findSiteConfigFile, type InlineOptions, loadSiteConfig } from './site-config.js';

export interface ProjectConfigOptions {
  /** Project root (absolute, or relative to the working directory). */
  root: string;
  /**
   * Inline options, from the Astro integration or the Vite plugin themselves. When absent (the
   * CLI, the programmatic API) they are read from `herogen()` in `astro.config.*` /
   * `vite.config.*`, so every entry point resolves the same configuration.
   */
  config?: HerogenConfig;
  /** The file the inline options are written in (`astro.config.mjs`), named in errors. */
  inlineFile?: string;
  /** Command-line flags: win over everything. */
  flags?: Partial<HerogenConfig>;
  /** Explicit config file, or `false` to ignore `herogen.config.*`. */
  configFile?: string | false;
  /** `false`: do not read `astro.config.*` / `vite.config.*` (CLI `--no-site-config`). */
  siteConfig?: boolean;
  /** Environment for keys and base URLs; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Where a session's configuration came from, as `herogen plan` prints it. */
export interface ConfigSource {
  /** The `herogen.config.*` that was read, relative to the root. */
  file?: string;
  /** The site config read for `herogen()`'s options, relative to the working root. */
  site?: { file: string; inline: boolean };
  /** The site config exists but was not read (`--no-site-config`). */
  siteSkipped?: boolean;
  /** Inline options given directly (the integration or plugin's own session). */
  inline?: boolean;
  /** Where those were written, when known (relative to the root). */
  inlineFile?: string;
  /** Command-line flags took part. */
  flags?: boolean;
  /** The root the site config moved the project to (Vite's `root`), relative to the start. */
  movedRoot?: string;
}

export interface ProjectConfig {
  root: string;
  config: ResolvedConfig;
  env: Record<string, string | undefined>;
  source: ConfigSource;
}

/** Load and merge a project's configuration: herogen.config.* < inline options < flags. */
export async function loadProjectConfig(options: ProjectConfigOptions): Promise<ProjectConfig> {
  const start = path.resolve(options.root);
  const source: ConfigSource = {};
  let root = start;
  let siteFile: string | undefined;
  let inline: InlineOptions | undefined = options.config ? { config: options.config } : undefined;
  if (inline) source.inline = true;
  if (inline && options.inlineFile)
    source.inlineFile = toPosixRelative(start, path.resolve(start, options.inlineFile));
  if (!inline && options.siteConfig !== false) {
    const site = await loadSiteConfig(start);
    if (site) {
      source.site = { file: toPosixRelative(start, site.file), inline: site.inline !== undefined };
      siteFile = site.file;
      inline = site.inline;
      if (site.root) {
        root = site.root;
        source.movedRoot = toPosixRelative(start, site.root);
      }
    }
  } else if (!inline && findSiteConfigFile(start)) {
    source.siteSkipped = true;
  }
  const configFile = options.configFile ?? inline?.configFile;
  const inlineFile = options.inlineFile ?? (source.site?.inline ? siteFile : undefined);
  // An `env` given to herogen() in the site config is what the build reads keys from.
  const env = inline?.env ?? options.env ?? process.env;
  const loaded = configFile === false ? { config: {} } : await loadConfigFile(root, configFile);
  if (loaded.file) source.file = toPosixRelative(root, loaded.file);
  const flags = options.flags && Object.keys(options.flags).length > 0 ? options.flags : undefined;
  if (flags) source.flags = true;
  const config = resolveConfig({
    root,
    fileConfig: loaded.config,
    ...(loaded.file ? { file: loaded.file } : {}),
    ...(inline ? { inline: inline.config } : {}),
    ...(inlineFile ? { inlineFile } : {}),
    ...(flags ? { flags } : {}),
    env,
  });
  return { root, config, env, source };
}

/**
 * One line: `herogen.config.ts + inline options in astro.config.mjs`, with what was not read
 * in parentheses: `defaults (no herogen.config.*; astro.config.mjs has no herogen())`.
 */
export function describeConfigSource(source: ConfigSource): string {
  const parts: string[] = [];
  const notes: string[] = [];
  if (source.file) parts.push(source.file);
  if (source.site?.inline) parts.push(`inline options in ${source.site.file}`);
  else if (source.inline)
    parts.push(source.inlineFile ? `inline options in ${source.inlineFile}` : 'inline options');
  if (parts.length === 0) notes.push('no herogen.config.*');
  if (source.site && !source.site.inline) notes.push(`${source.site.file} has no herogen()`);
  if (source.siteSkipped) notes.push('astro.config.* / vite.config.* not read: --no-site-config');
  if (source.flags) parts.push('command-line flags');
  if (source.movedRoot) notes.push(`root ${source.movedRoot}, set in ${source.site?.file}`);
  const text = parts.length > 0 ? parts.join(' + ') : 'defaults';
  return notes.length > 0 ? `${text} (${notes.join('; ')})` : text;
}
