/**
 * The site's own config (`astro.config.*`, `vite.config.*`), read so that the CLI and the
 * programmatic API see the options given to `herogen()` there: one configuration for every
 * entry point. The Astro integration and the Vite plugin carry those options under
 * `INLINE_OPTIONS`; this module imports the site config the way Astro does (native import for
 * JavaScript, jiti for TypeScript or when native import fails) and finds them.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HerogenError } from '../errors.js';
import { toPosixRelative } from '../fs/path-safety.js';
import { importConfigModule } from './load.js';
import type { HerogenConfig } from './schema.js';

/** Where `herogen()` (Astro integration or Vite plugin) keeps the options it was given. */
export const INLINE_OPTIONS = Symbol.for('@herogen/inline-options');

/** What an integration or plugin object carries under `INLINE_OPTIONS`. */
export interface InlineOptions {
  /** The herogen options given inline (they win over `herogen.config.*`). */
  config: HerogenConfig;
  /** `configFile` given inline: another herogen config file, or `false` for none. */
  configFile?: string | false;
  /** `env` given inline: where keys and base URLs are read from. */
  env?: Record<string, string | undefined>;
}

/** Attach the options an integration or plugin was created with, for `loadSiteConfig`. */
export function markInlineOptions<T extends object>(target: T, options: InlineOptions): T {
  Object.defineProperty(target, INLINE_OPTIONS, { value: options, enumerable: false });
  return target;
}

/** Astro's own lookup order, then Vite's. An Astro site never reads `vite.config.*`. */
const SITE_CONFIG_FILES = {
  astro: ['astro.config.mjs', 'astro.config.js', 'astro.config.ts', 'astro.config.mts'],
  vite: [
    'vite.config.js',
    'vite.config.mjs',
    'vite.config.ts',
    'vite.config.cjs',
    'vite.config.mts',
    'vite.config.cts',
  ],
} as const;

export interface SiteConfig {
  kind: 'astro' | 'vite';
  /** Absolute path of the site config that was read. */
  file: string;
  /** The options given to `herogen()` there; undefined when it does not use herogen. */
  inline?: InlineOptions;
  /** The project root the site config sets (`root`), when it moves it. */
  root?: string;
}

/** The site config file of `root` (Astro's first, then Vite's), or undefined. */
export function findSiteConfigFile(
  root: string,
): { kind: 'astro' | 'vite'; file: string } | undefined {
  for (const kind of ['astro', 'vite'] as const) {
    for (const name of SITE_CONFIG_FILES[kind]) {
      const file = resolve(root, name);
      if (existsSync(file)) return { kind, file };
    }
  }
  return undefined;
}

/**
 * Import `astro.config.*` or `vite.config.*` at `root` and find herogen's integration or plugin
 * in it. Undefined when the site has neither file. A file that cannot be loaded is an error,
 * never a silent fallback: the CLI would then plan a different site than the build.
 */
export async function loadSiteConfig(root: string): Promise<SiteConfig | undefined> {
  const found = findSiteConfigFile(root);
  if (!found) return undefined;
  const shown = toPosixRelative(root, found.file);
  let config: unknown;
  try {
    config = await importConfigModule(found.file, { fallbackToJiti: true });
    // Vite accepts a function of the command and mode (and a promise of either).
    config = await config;
    if (typeof config === 'function') {
      config = await config({
        command: 'build',
        mode: 'production',
        isSsrBuild: false,
        isPreview: false,
      });
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HerogenError(
      'CONFIG_LOAD',
      `Could not load ${shown} to read the options given to herogen() there: ${reason}`,
      {
        cause: error,
        location: { file: shown },
        hint: `herogen reads ${shown} so the CLI sees the same options as the build. Fix the error above, or (if ${shown} only loads inside ${found.kind === 'astro' ? 'Astro' : 'Vite'}) move herogen's options into herogen.config.mjs and run the CLI with --no-site-config.`,
      },
    );
  }
  const record = isObject(config) ? config : {};
  const candidates =
    found.kind === 'astro'
      ? [record.integrations, isObject(record.vite) ? record.vite.plugins : undefined]
      : [record.plugins];
  const entries = (await Promise.all(candidates.map(flattenEntries))).flat();
  const inline = entries.flatMap((entry) => {
    const options = (entry as { [INLINE_OPTIONS]?: InlineOptions })[INLINE_OPTIONS];
    return options ? [options] : [];
  });
  if (inline.length > 1) {
    throw new HerogenError(
      'CONFIG_INVALID',
      `${shown} adds herogen() ${inline.length} times; one site has one herogen configuration.`,
      {
        location: { file: shown },
        hint: "Keep one herogen() and list every frontmatter field it fills, e.g. herogen({ field: { hero: 'hero', heroImage: 'image' } }).",
      },
    );
  }
  const site: SiteConfig = { kind: found.kind, file: found.file };
  if (inline[0]) site.inline = inline[0];
  const movedRoot = rootOf(record.root, dirname(found.file));
  if (movedRoot !== undefined && movedRoot !== resolve(root)) site.root = movedRoot;
  return site;
}

/** Integrations and plugins may be nested lists, promises (Vite) or falsy placeholders. */
async function flattenEntries(value: unknown): Promise<object[]> {
  const resolved = await value;
  if (Array.isArray(resolved)) return (await Promise.all(resolved.map(flattenEntries))).flat();
  return isObject(resolved) ? [resolved] : [];
}

/** `root` of a site config, resolved from the config's folder (a string or a file URL). */
function rootOf(value: unknown, base: string): string | undefined {
  if (typeof value === 'string') return resolve(base, value);
  if (value instanceof URL && value.protocol === 'file:') return resolve(fileURLToPath(value));
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
