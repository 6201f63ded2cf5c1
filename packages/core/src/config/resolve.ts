import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { HerogenError, type SourceLocation } from '../errors.js';
import { isInside, realPathOfNearestSync, toPosixRelative } from '../fs/path-safety.js';
import { plural } from '../text/plural.js';
import { describeIssue, formatPath, valueAt } from './format-issues.js';
import { configSchema, HIAPI_DEFAULT_CONCURRENCY, type ResolvedConfig } from './schema.js';
import { didYouMean, type KeyAliases } from './suggest.js';

export interface ResolveConfigOptions {
  /** Absolute project root; relative paths in the config are resolved from it. */
  root: string;
  /** What `loadConfigFile` returned (`config`). */
  fileConfig?: unknown;
  /** The config file it came from (absolute or root-relative), for error messages. */
  file?: string;
  /** Options passed to the Astro integration or Vite plugin: override the file. */
  inline?: unknown;
  /**
   * The file the inline options are written in (`astro.config.mjs`, `vite.config.ts`; absolute
   * or root-relative), so errors name it and its line instead of "inline options".
   */
  inlineFile?: string;
  /** CLI flags: override everything. Undefined values are ignored. */
  flags?: unknown;
  /** Environment for `HEROGEN_FROZEN`; defaults to `process.env`. No secret is read here. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Options whose nested keys merge across sources instead of being replaced whole. */
const DEEP_MERGED = new Set(['budget', 'openai', 'hiapi']);

/** Names users bring from other tools, or plausible slips, mapped to our options. */
const CONFIG_ALIASES: KeyAliases = {
  outdir: 'outDir',
  outputDir: 'outDir',
  output: 'outDir',
  dir: 'outDir',
  lock: 'lockFile',
  lockfile: 'lockFile',
  include: 'content',
  glob: 'content',
  template: 'promptTemplate',
  ratio: 'aspect',
  aspectRatio: 'aspect',
  parallel: 'concurrency',
  timeout: 'timeoutMs',
  retries: 'maxRetries',
  maxCostUsd: 'budget',
  apiKey: 'openai',
  frozenMode: 'frozen',
};

const FROZEN_ON = /^(1|true|yes|on)$/i;

interface Source {
  kind: 'file' | 'inline' | 'env' | 'flags';
  label: string;
  value: unknown;
  /** Absolute path of the file the values are written in, to find their lines. */
  path?: string;
}

/**
 * Merge config file < inline options < `HEROGEN_FROZEN` < CLI flags, validate the result and
 * check that `outDir` and `lockFile` stay inside the root. Throws one `CONFIG_INVALID` that
 * lists every problem with where it came from, or `PATH_OUTSIDE_ROOT`. `outDir` and
 * `lockFile` come back as root-relative POSIX paths.
 */
export function resolveConfig(options: ResolveConfigOptions): ResolvedConfig {
  const root = resolve(options.root);
  const env = options.env ?? process.env;
  const filePath = options.file === undefined ? undefined : resolve(root, options.file);
  const inlinePath =
    options.inlineFile === undefined ? undefined : resolve(root, options.inlineFile);
  const sources: Source[] = [
    {
      kind: 'file',
      label: filePath === undefined ? 'the herogen config file' : toPosixRelative(root, filePath),
      value: options.fileConfig,
      ...(filePath === undefined ? {} : { path: filePath }),
    },
    {
      kind: 'inline',
      label: inlinePath === undefined ? 'inline options' : toPosixRelative(root, inlinePath),
      value: options.inline,
      ...(inlinePath === undefined ? {} : { path: inlinePath }),
    },
    {
      kind: 'env',
      label: 'the HEROGEN_FROZEN environment variable',
      value: FROZEN_ON.test(env.HEROGEN_FROZEN?.trim() ?? '') ? { frozen: true } : undefined,
    },
    { kind: 'flags', label: 'command-line flags', value: options.flags },
  ];
  const { merged, origins } = mergeSources(sources);
  const parsed = configSchema.safeParse(merged);
  const lines = createLineFinder();
  if (!parsed.success) throw invalidConfigError(parsed.error.issues, merged, origins, lines);
  const config = parsed.data;
  // A task API holds tasks in flight, not connections: hiapi's default is wider.
  if (!origins.has('concurrency') && config.provider === 'hiapi') {
    config.concurrency = HIAPI_DEFAULT_CONCURRENCY;
  }
  for (const field of ['outDir', 'lockFile'] as const) {
    const origin = origins.get(field);
    config[field] = resolvePathSetting(root, { field, value: config[field] }, origin, lines);
  }
  return config;
}

function mergeSources(sources: Source[]): {
  merged: Record<string, unknown>;
  origins: Map<string, Source>;
} {
  const merged: Record<string, unknown> = {};
  const origins = new Map<string, Source>();
  for (const source of sources) {
    if (source.value === undefined || source.value === null) continue;
    if (!isPlainObject(source.value)) {
      throw new HerogenError(
        'CONFIG_INVALID',
        `The herogen options in ${source.label} must be an object, not ${Array.isArray(source.value) ? 'a list' : typeof source.value}.`,
        {
          hint: 'Export an object: `export default defineConfig({ content: "src/content/**/*.md" })`.',
          ...(source.path === undefined ? {} : { location: { file: source.label } }),
        },
      );
    }
    for (const [key, value] of Object.entries(source.value)) {
      if (value === undefined) continue;
      const previous = merged[key];
      if (DEEP_MERGED.has(key) && isPlainObject(value)) {
        const base = isPlainObject(previous) ? previous : {};
        merged[key] = { ...base, ...withoutUndefined(value) };
        if (!isPlainObject(previous)) origins.set(key, source);
        for (const nested of Object.keys(withoutUndefined(value)))
          origins.set(`${key}.${nested}`, source);
      } else {
        merged[key] = value;
        origins.set(key, source);
        for (const name of origins.keys()) if (name.startsWith(`${key}.`)) origins.delete(name);
      }
    }
  }
  return { merged, origins };
}

function originOf(origins: Map<string, Source>, path: readonly PropertyKey[]): Source | undefined {
  for (let length = Math.min(path.length, 2); length > 0; length--) {
    const found = origins.get(path.slice(0, length).map(String).join('.'));
    if (found) return found;
  }
  return undefined;
}

function invalidConfigError(
  issues: readonly z.core.$ZodIssue[],
  merged: Record<string, unknown>,
  origins: Map<string, Source>,
  lineOf: LineFinder,
): HerogenError {
  const lines: string[] = [];
  let location: SourceLocation | undefined;
  for (const issue of issues) {
    const problems: { path: PropertyKey[]; message: string }[] =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({
            path: [...issue.path, key],
            message: `unknown option${didYouMean(key, objectKeysAt(issue.path), CONFIG_ALIASES)}`,
          }))
        : [{ path: [...issue.path], message: issueMessage(issue, merged) }];
    for (const problem of problems) {
      const source = originOf(origins, problem.path);
      const field = formatPath(problem.path);
      const line = source ? lineOf(source, problem.path) : undefined;
      const where = source ? `${source.label}${line === undefined ? '' : `:${line}`}` : 'config';
      lines.push(`${field}: ${problem.message} (in ${where})`);
      if (!location && source?.path !== undefined) {
        location = { file: source.label, field, ...(line === undefined ? {} : { line }) };
      }
    }
  }
  const known = Object.keys(configSchema.shape).join(', ');
  return new HerogenError(
    'CONFIG_INVALID',
    `Invalid herogen config (${plural(lines.length, 'problem')}):\n${lines.map((line) => `  ${line}`).join('\n')}`,
    {
      hint: `Fix the options listed above. Known options: ${known}.`,
      ...(location ? { location } : {}),
    },
  );
}

function issueMessage(issue: z.core.$ZodIssue, merged: Record<string, unknown>): string {
  const value = valueAt(merged, issue.path);
  if (issue.path.length === 1 && issue.path[0] === 'provider' && issue.code === 'invalid_union') {
    const hint =
      typeof value === 'string' ? didYouMean(value, ['auto', 'openai', 'hiapi', 'local']) : '';
    return `expected "auto", "openai", "hiapi", "local" or a provider made with defineProvider(), got ${describeValueShort(value)}${hint}`;
  }
  let message = describeIssue(issue, value);
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    message += didYouMean(value, issue.values.map(String));
  }
  return message;
}

function describeValueShort(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : Array.isArray(value) ? 'a list' : typeof value;
}

/** Keys the config schema accepts at an object path (`[]` is the top level). */
function objectKeysAt(path: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod internals generically
  let schema: any = configSchema;
  for (const segment of path) {
    schema = unwrap(schema)?._zod?.def?.shape?.[segment as string];
  }
  const shape = unwrap(schema)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

// biome-ignore lint/suspicious/noExplicitAny: zod wrapper types (optional, default) share `innerType`
function unwrap(schema: any): any {
  let current = schema;
  while (current?._zod?.def?.innerType) current = current._zod.def.innerType;
  return current;
}

function resolvePathSetting(
  root: string,
  setting: { field: 'outDir' | 'lockFile'; value: string },
  origin: Source | undefined,
  lineOf: LineFinder,
): string {
  const { field, value } = setting;
  const where = origin ? ` in ${origin.label}` : '';
  const line = origin ? lineOf(origin, [field]) : undefined;
  const location: SourceLocation | undefined =
    origin?.path !== undefined
      ? { file: origin.label, field, ...(line === undefined ? {} : { line }) }
      : undefined;
  const absolute = resolve(root, value);
  if (!isInside(root, absolute)) {
    throw new HerogenError(
      'PATH_OUTSIDE_ROOT',
      `${field} "${value}"${where} points outside the project root ${root}; herogen only writes inside the project.`,
      {
        hint: `Use a path relative to the project root, e.g. ${field === 'outDir' ? '"src/assets/herogen"' : '"herogen.lock.json"'}.`,
        ...(location ? { location } : {}),
      },
    );
  }
  const realRoot = realPathOfNearestSync(root);
  const real = realPathOfNearestSync(absolute);
  if (!isInside(realRoot, real)) {
    throw new HerogenError(
      'PATH_OUTSIDE_ROOT',
      `${field} "${value}"${where} goes through a symlink to ${real}, outside the project root ${root}; herogen refuses to write there.`,
      {
        hint: 'Replace the symlink with a real directory inside the project, or pick another path.',
        ...(location ? { location } : {}),
      },
    );
  }
  if (field === 'lockFile' && absolute === root) {
    throw new HerogenError(
      'CONFIG_INVALID',
      `lockFile "${value}"${where} names the project root, not a file.`,
      {
        hint: 'Use a file name such as "herogen.lock.json".',
        ...(location ? { location } : {}),
      },
    );
  }
  // Caught here, before anything is paid for: a store would fail only after the API call.
  const kind = statSync(absolute, { throwIfNoEntry: false });
  if (kind && (field === 'outDir' ? !kind.isDirectory() : kind.isDirectory())) {
    throw new HerogenError(
      'CONFIG_INVALID',
      `${field} "${value}"${where} is ${field === 'outDir' ? 'a file, not a folder' : 'a folder, not a file'}.`,
      {
        hint: `Move ${toPosixRelative(root, absolute)} out of the way, or set ${field} to another path.`,
        ...(location ? { location } : {}),
      },
    );
  }
  return toPosixRelative(root, absolute);
}

/** The line of a value in the file its source was written in, when there is one. */
type LineFinder = (source: Source, path: readonly PropertyKey[]) => number | undefined;

/**
 * Best-effort line of an option in a config file's source, found by its key. jiti and the
 * frameworks give no positions, so this reads the text; only called when there is something
 * to report, and each file is read once.
 */
function createLineFinder(): LineFinder {
  const texts = new Map<string, string[]>();
  return (source, path) => {
    if (source.path === undefined || path.length === 0) return undefined;
    let lines = texts.get(source.path);
    if (lines === undefined) {
      try {
        lines = readFileSync(source.path, 'utf8').split('\n');
      } catch {
        lines = [];
      }
      texts.set(source.path, lines);
    }
    let from = 0;
    let found: number | undefined;
    for (const segment of path) {
      if (typeof segment !== 'string') break;
      const key = new RegExp(`(^|[\\s{,])["']?${escapeRegExp(segment)}["']?\\s*:`);
      const index = lines.findIndex((text, i) => i >= from && key.test(text));
      if (index === -1) break;
      found = index + 1;
      from = index;
    }
    return found;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}
