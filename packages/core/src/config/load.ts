import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HerogenError } from '../errors.js';
import { toPosixRelative } from '../fs/path-safety.js';

/** Looked up at the project root in this order; the first that exists wins. */
export const CONFIG_FILE_NAMES = [
  'herogen.config.ts',
  'herogen.config.mts',
  'herogen.config.mjs',
  'herogen.config.js',
  'herogen.config.json',
] as const;

export interface LoadedConfigFile {
  /** The default export (or parsed JSON), not validated yet: `{}` when there is no file. */
  config: unknown;
  /** Absolute path of the file it came from. */
  file?: string;
}

/** The config file herogen would load from `root`, or undefined when there is none. */
export function findConfigFile(root: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(root, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Load `herogen.config.*` from `root` (or `explicitPath`, relative to `root`). TypeScript goes
 * through jiti, JavaScript through native import, JSON through JSON.parse with the line and
 * column of a syntax error. Validation happens later, in `resolveConfig`.
 */
export async function loadConfigFile(
  root: string,
  explicitPath?: string,
): Promise<LoadedConfigFile> {
  let file: string | undefined;
  if (explicitPath !== undefined) {
    file = resolve(root, explicitPath);
    if (!existsSync(file)) {
      throw new HerogenError('CONFIG_LOAD', `Config file ${explicitPath} does not exist.`, {
        hint: `Check the path (it is resolved from ${root}) or leave it out to use ${CONFIG_FILE_NAMES.join(', ')}.`,
      });
    }
  } else {
    file = findConfigFile(root);
  }
  if (file === undefined) return { config: {} };
  const shown = toPosixRelative(root, file);
  const config =
    extname(file) === '.json' ? await loadJson(file, shown) : await loadModule(file, shown);
  return { config, file };
}

async function loadModule(file: string, shown: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = await importModule(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HerogenError('CONFIG_LOAD', `Could not load ${shown}: ${reason}`, {
      cause: error,
      location: { file: shown },
      hint: 'Fix the error in the config file; it must `export default defineConfig({ ... })`.',
    });
  }
  if (!('default' in module) || module.default === undefined) {
    throw new HerogenError('CONFIG_LOAD', `${shown} has no default export.`, {
      location: { file: shown },
      hint: 'Add `export default defineConfig({ ... })` (or `export default { ... }`).',
    });
  }
  return module.default;
}

/**
 * Import a config module: JavaScript natively, TypeScript through jiti. `fallbackToJiti` retries
 * a JavaScript file that Node cannot import through jiti, as Astro retries through Vite.
 */
export async function importModule(
  file: string,
  options: { fallbackToJiti?: boolean } = {},
): Promise<Record<string, unknown>> {
  if (!/\.(m?js|cjs)$/.test(file)) return importWithJiti(file);
  try {
    return await importNative(file);
  } catch (error) {
    if (!options.fallbackToJiti) throw error;
    return importWithJiti(file).catch(() => {
      throw error;
    });
  }
}

/** The default export of a config module (`{}` when it has none, as Astro and Vite read it). */
export async function importConfigModule(
  file: string,
  options: { fallbackToJiti?: boolean } = {},
): Promise<unknown> {
  const module = await importModule(file, options);
  return module.default ?? {};
}

/** TypeScript through jiti, without its module cache so a reload sees an edited file. */
async function importWithJiti(file: string): Promise<Record<string, unknown>> {
  // Loaded only for TypeScript configs: most projects never pay for it.
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { moduleCache: false });
  return (await jiti.import(file)) as Record<string, unknown>;
}

/**
 * Plain JavaScript natively (jiti would too, but through Node's cache). The URL carries a
 * hash of the source so an edited config is imported afresh and an unchanged one is reused.
 */
async function importNative(file: string): Promise<Record<string, unknown>> {
  const version = createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
    .slice(0, 16);
  const url = `${pathToFileURL(file).href}?v=${version}`;
  return (await import(url)) as Record<string, unknown>;
}

async function loadJson(file: string, shown: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HerogenError('CONFIG_LOAD', `Could not read ${shown}: ${(error as Error).message}`, {
      cause: error,
      location: { file: shown },
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = (error as Error).message;
    const { line, column } = jsonErrorPosition(text, reason);
    const what = reason
      .replace(/\s*(in JSON )?at position \d+.*$/s, '')
      .replace(/\s*\(line \d+ column \d+\)$/, '');
    throw new HerogenError(
      'CONFIG_LOAD',
      `${shown} is not valid JSON: ${what} at line ${line}, column ${column}.`,
      {
        cause: error,
        location: { file: shown, line, column },
        hint: 'JSON needs double-quoted keys and strings and no trailing commas; or rename it to herogen.config.ts.',
      },
    );
  }
}

/** 1-based line and column of a JSON.parse error, from V8's `at position N` (or end of input). */
export function jsonErrorPosition(text: string, message: string): { line: number; column: number } {
  const explicit = /\(line (\d+) column (\d+)\)/.exec(message);
  if (explicit) return { line: Number(explicit[1]), column: Number(explicit[2]) };
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Math.min(Number(position[1]), text.length) : text.length;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}
