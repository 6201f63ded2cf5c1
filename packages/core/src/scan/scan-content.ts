import { lstatSync, realpathSync, type Stats, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import pLimit from 'p-limit';
import { glob } from 'tinyglobby';
import type { HeroField } from '../config/fields.js';
import type { ResolvedConfig } from '../config/schema.js';
import { HerogenError } from '../errors.js';
import { isInside } from '../fs/path-safety.js';
import { plural } from '../text/plural.js';
import { printablePath } from '../text/printable.js';
import type { ContentHero, Logger } from '../types.js';
import { isFileNextTo } from './own-image.js';
import { parseFrontmatterBlock } from './parse-frontmatter.js';
import { parseHeroField } from './parse-hero-field.js';
import { readFrontmatterHead, readSourceFull } from './read-source.js';
import { resolveReferences } from './resolve-references.js';
import { type CachedHero, openScanCache } from './scan-cache.js';
import { splitFrontmatter } from './split-frontmatter.js';
import { invalidUtf8Error } from './utf8.js';

export interface ScanOptions {
  /** Absolute project root. */
  root: string;
  config: Pick<ResolvedConfig, 'content' | 'field' | 'strictAlt'>;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Reuse what the last scan found in files that have not changed since
   * (`node_modules/.cache/herogen/scan.json`). `false` reads every file. @default true
   */
  cache?: boolean;
}

export interface ScanResult {
  /** Valid heroes, in file order (sorted root-relative paths). */
  heroes: ContentHero[];
  /** Content files matched by the globs. */
  files: number;
  /** One per problem; a file with errors contributes no hero. */
  errors: HerogenError[];
  warnings: HerogenError[];
}

/** Never content: dependencies, build output, Astro's generated types. */
export const SCAN_IGNORE = ['**/node_modules/**', '**/dist/**', '**/.astro/**'];

/** Files read between two yields to the event loop. */
const BATCH = 256;

interface Candidate {
  hero: ContentHero;
  lineOf: (path: (string | number)[]) => number | undefined;
}

/**
 * Find every hero in the configured content files. Only the frontmatter is read and parsed
 * (files whose frontmatter does not mention the field are not parsed at all); problems in one
 * file never stop the scan of the others.
 */
export async function scanContent(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const root = resolve(options.root);
  const { field: fields, strictAlt } = options.config;
  const errors: HerogenError[] = [];
  const patterns = patternsInsideRoot(
    root,
    typeof options.config.content === 'string' ? [options.config.content] : options.config.content,
    errors,
  );
  const { files, stats: fileStats } = confineToRoot(
    root,
    (
      await glob(patterns, {
        cwd: root,
        ignore: SCAN_IGNORE,
        onlyFiles: true,
        expandDirectories: false,
      })
    ).sort(),
    errors,
  );

  if (files.length === 0) {
    options.logger?.info(
      `no content files match ${patterns.map((p) => JSON.stringify(p)).join(', ')} in ${printablePath(root)}`,
    );
  }
  throwIfAborted(options.signal);

  const warnings: HerogenError[] = [];
  const candidates: Candidate[] = [];
  const cache = options.cache === false ? undefined : openScanCache(root, { fields, strictAlt });
  for (const [index, file] of files.entries()) {
    if (index % BATCH === BATCH - 1) {
      await new Promise<void>((done) => setImmediate(done));
      throwIfAborted(options.signal);
    }
    try {
      // Stat before reading: a file changed in between is cached under its old stats, so it
      // is read again next time, never the other way round.
      const stats = cache
        ? (fileStats.get(file) ?? statSync(`${root}/${file}`, { throwIfNoEntry: false }))
        : undefined;
      const cached = stats && cache?.get(file, stats);
      if (cached) {
        for (const hero of cached.heroes) candidates.push(fromCache(file, hero));
        continue;
      }
      const problems = errors.length + warnings.length;
      const found = scanFile(root, file, { fields, strictAlt }, { errors, warnings });
      candidates.push(...found);
      const clean = errors.length + warnings.length === problems;
      if (stats && clean && !found.some((candidate) => candidate.hero.spec.references?.length)) {
        cache?.set(file, stats, { heroes: found.map((candidate) => toCached(candidate.hero)) });
      }
    } catch (error) {
      errors.push(asContentError(error, file));
    }
  }
  cache?.save(files);

  // References are rare: resolve them after the fast pass, a few files at a time.
  const withReferences = candidates.filter((candidate) => candidate.hero.spec.references?.length);
  const rejected = new Set<Candidate>();
  if (withReferences.length > 0) {
    const realRoot = await realpath(root);
    const hashes = new Map<string, Promise<string>>();
    const limit = pLimit(8);
    await Promise.all(
      withReferences.map((candidate) =>
        limit(async () => {
          const { hero } = candidate;
          const { field } = hero;
          const result = await resolveReferences(hero.spec.references ?? [], {
            root,
            realRoot,
            file: hero.file,
            field,
            hashes,
            lineOf: (index) =>
              candidate.lineOf([field, 'references', index]) ??
              candidate.lineOf([field, 'references']) ??
              hero.line,
          });
          if (result.errors.length > 0) {
            rejected.add(candidate);
            errors.push(...result.errors);
          } else {
            hero.references = result.references;
          }
        }),
      ),
    );
  }

  const heroes = candidates
    .filter((candidate) => !rejected.has(candidate))
    .map((candidate) => candidate.hero);
  errors.sort(byLocation);
  warnings.sort(byLocation);
  options.logger?.debug(
    `scanned ${plural(files.length, 'content file')} in ${Math.round(performance.now() - started)} ms: ${plural(heroes.length, 'hero', 'heroes')}, ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}`,
  );
  return { heroes, files: files.length, errors, warnings };
}

/** Refuse (with an error) a pattern whose fixed part leads outside the root: it is never listed. */
function patternsInsideRoot(root: string, patterns: string[], errors: HerogenError[]): string[] {
  return patterns.filter((pattern) => {
    if (pattern.startsWith('!')) return true;
    const fixed: string[] = [];
    for (const part of pattern.split('/')) {
      if (/[*?[\]{}()!]/.test(part)) break;
      fixed.push(part);
    }
    if (isInside(root, resolve(root, fixed.join('/') || '.'))) return true;
    errors.push(
      new HerogenError(
        'PATH_OUTSIDE_ROOT',
        `the \`content\` glob "${pattern}" points outside the project root ${root}; herogen never reads files outside the project.`,
        { hint: 'Use globs relative to the project root, e.g. "src/content/**/*.md".' },
      ),
    );
    return false;
  });
}

const DOT_DOT_SEGMENT = /(^|\/)\.\.(\/|$)/;

/**
 * Drop (with an error) every match outside the project: a glob such as `../**` or a symlink
 * to a folder elsewhere must never make herogen read a file outside the root. Each folder is
 * resolved once and each file only `lstat`ed (a symlinked file is resolved on its own); the
 * stats of plain files are returned for the scan cache.
 */
function confineToRoot(
  root: string,
  files: string[],
  errors: HerogenError[],
): { files: string[]; stats: Map<string, Stats> } {
  let realRoot: string | undefined;
  const folders = new Map<string, { real: string | undefined; inside: boolean }>();
  const stats = new Map<string, Stats>();
  const folder = (dir: string) => {
    let known = folders.get(dir);
    if (!known) {
      let real: string | undefined;
      try {
        real = realpathSync.native(dir ? `${root}/${dir}` : root);
      } catch {}
      known = { real, inside: real !== undefined && isInside(realRoot!, real) };
      folders.set(dir, known);
    }
    return known;
  };
  const kept = files.filter((file) => {
    realRoot ??= realpathSync.native(root);
    let real: string | undefined;
    try {
      if (!isAbsolute(file) && !(file.includes('..') && DOT_DOT_SEGMENT.test(file))) {
        const absolute = `${root}/${file}`;
        const own = lstatSync(absolute);
        if (own.isSymbolicLink()) {
          real = realpathSync.native(absolute);
          if (isInside(realRoot, real)) return true;
        } else {
          const slash = file.lastIndexOf('/');
          const dir = folder(slash === -1 ? '' : file.slice(0, slash));
          if (dir.inside) {
            stats.set(file, own);
            return true;
          }
          if (dir.real !== undefined) real = `${dir.real}/${file.slice(slash + 1)}`;
        }
      }
    } catch {}
    errors.push(
      new HerogenError(
        'PATH_OUTSIDE_ROOT',
        `the \`content\` globs match ${printablePath(file)}${real && real !== resolve(root, file) ? ` (a symlink to ${real})` : ''}, which is outside the project root ${root}; it was not read.`,
        {
          hint: 'Change `content` in the herogen config so it only matches files inside the project; herogen never reads files outside it.',
        },
      ),
    );
    return false;
  });
  return { files: kept, stats };
}

/** The heroes of one file, one per configured field that holds one, in config order. */
function scanFile(
  root: string,
  file: string,
  settings: { fields: readonly HeroField[]; strictAlt: boolean },
  problems: { errors: HerogenError[]; warnings: HerogenError[] },
): Candidate[] {
  const { fields, strictAlt } = settings;
  const { errors, warnings } = problems;
  // Plain concatenation: path.resolve per file shows up in profiles of large sites.
  const absolute = `${root}/${file}`;
  let source = readFrontmatterHead(absolute);
  if (source.text === '') return [];
  let block = splitFrontmatterOrUndefined(source.text, file, source.complete);
  if (block === 'truncated') {
    source = readSourceFull(absolute);
    block = splitFrontmatter(source.text, file);
  }
  // Cheap pre-filter: most files of a large site may have no hero at all.
  const text = block?.text;
  if (!block || !fields.some((field) => text?.includes(field.name))) return [];

  const badLine = source.invalidUtf8Line;
  let frontmatter: ReturnType<typeof parseFrontmatterBlock>;
  try {
    frontmatter = parseFrontmatterBlock(block, file);
  } catch (error) {
    // A bad byte explains a parse error better than the parser can.
    throw badLine === undefined ? error : invalidUtf8Error(file, badLine);
  }
  if (badLine !== undefined) throw invalidUtf8Error(file, badLine, frontmatter);
  const found: Candidate[] = [];
  for (const { name: field, mode } of fields) {
    const value = frontmatter.data[field];
    if (value === null || value === undefined || value === false) continue;
    const line = frontmatter.lineOf([field]) ?? block.lineOffset + 1;
    const result = parseHeroField(value, {
      file,
      line,
      field,
      mode,
      strictAlt,
      lines: frontmatter.lineOf,
      isFile: (path) => isFileNextTo(absolute, path),
    });
    errors.push(...result.errors);
    warnings.push(...result.warnings);
    if (!result.spec) continue;
    const hero: ContentHero = { file, line, field, spec: result.spec, references: [] };
    const { title, description } = frontmatter.data;
    if (typeof title === 'string') hero.title = title;
    if (typeof description === 'string') hero.description = description;
    // Keep line lookups (and the text they hold) only where references may need them.
    found.push({ hero, lineOf: result.spec.references?.length ? frontmatter.lineOf : noLines });
  }
  return found;
}

const noLines = () => undefined;

function toCached(hero: ContentHero): CachedHero {
  const { field, line, spec, title, description } = hero;
  return {
    field,
    line,
    spec,
    ...(title !== undefined ? { title } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

function fromCache(file: string, cached: CachedHero): Candidate {
  const { field, line, spec } = cached;
  const hero: ContentHero = { file, line, field, spec, references: [] };
  if (cached.title !== undefined) hero.title = cached.title;
  if (cached.description !== undefined) hero.description = cached.description;
  return { hero, lineOf: noLines };
}

/** Split the head of a file, or say the fence may lie beyond what was read. */
function splitFrontmatterOrUndefined(text: string, file: string, complete: boolean) {
  try {
    return splitFrontmatter(text, file);
  } catch (error) {
    if (!complete) return 'truncated' as const;
    throw error;
  }
}

function asContentError(error: unknown, file: string): HerogenError {
  if (HerogenError.is(error)) return error;
  return new HerogenError(
    'CONTENT_INVALID',
    `Could not read ${printablePath(file)}: ${(error as Error).message}`,
    {
      cause: error,
      location: { file },
      hint: 'Check that the file exists and is readable.',
    },
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new HerogenError('ABORTED', 'The content scan was cancelled.', { cause: signal.reason });
  }
}

function byLocation(a: HerogenError, b: HerogenError): number {
  const fileA = a.location?.file ?? '';
  const fileB = b.location?.file ?? '';
  if (fileA !== fileB) return fileA < fileB ? -1 : 1;
  return (a.location?.line ?? 0) - (b.location?.line ?? 0);
}
