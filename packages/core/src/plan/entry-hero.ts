import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import { combineErrors } from '../errors.js';
import { isFileNextTo } from '../scan/own-image.js';
import { parseFrontmatter } from '../scan/parse-frontmatter.js';
import { parseHeroField } from '../scan/parse-hero-field.js';
import { resolveReferences } from '../scan/resolve-references.js';
import type { ContentHero } from '../types.js';

/**
 * One content entry's hero from frontmatter a host already parsed (Astro's loaders). Reads the
 * source only to point errors at the right line. Undefined when the entry has no hero.
 */
export async function resolveEntryHero(options: {
  root: string;
  config: Pick<ResolvedConfig, 'field' | 'strictAlt'>;
  /** Absolute, or relative to the root. */
  file: string;
  data: Record<string, unknown>;
  /** One of the configured fields (default: the first); its mode comes from the config. */
  field?: string;
  /**
   * `false`: do not read the source for line numbers unless there is a problem to report
   * (`hero.line` is then 1). A host resolving every entry of a load takes this fast path and
   * asks again with lines when a later step (planHero) throws. @default true
   */
  locate?: boolean;
}): Promise<ContentHero | undefined> {
  const fields = options.config.field;
  const field = options.field ?? fields[0]?.name ?? 'hero';
  const mode = fields.find((candidate) => candidate.name === field)?.mode ?? 'hero';
  const value = options.data[field];
  if (value === null || value === undefined || value === false) return undefined;
  const absolute = path.resolve(options.root, options.file);
  const file = path.relative(options.root, absolute).split(path.sep).join('/');

  const locate = options.locate !== false;
  let lineOf: (p: (string | number)[]) => number | undefined = () => undefined;
  if (locate) {
    try {
      // Sync: a small file, read only to locate problems; a thread-pool round trip per entry
      // (ten at a time in glob()) waits behind the host's own I/O.
      const parsed = parseFrontmatter(readFileSync(absolute, 'utf8'), file);
      if (parsed) lineOf = parsed.lineOf;
    } catch {
      // The host parsed this file already; without line numbers errors still name file and field.
    }
  }
  // A problem found without line numbers is reported with them.
  const located = () => resolveEntryHero({ ...options, locate: true });
  const line = lineOf([field]) ?? 1;
  const result = parseHeroField(value, {
    file,
    line,
    field,
    mode,
    strictAlt: options.config.strictAlt,
    lines: lineOf,
    isFile: (imagePath) => isFileNextTo(absolute, imagePath),
  });
  if (result.errors.length > 0 || !result.spec) {
    if (!locate) return located();
    throw combineErrors(result.errors, file);
  }

  const hero: ContentHero = { file, line, field, spec: result.spec, references: [] };
  if (typeof options.data.title === 'string') hero.title = options.data.title;
  if (typeof options.data.description === 'string') hero.description = options.data.description;
  if (result.spec.references?.length) {
    const refs = await resolveReferences(result.spec.references, {
      root: options.root,
      realRoot: await realpath(options.root),
      file,
      field,
      hashes: new Map(),
      lineOf: (index) => lineOf([field, 'references', index]) ?? line,
    });
    if (refs.errors.length > 0) {
      if (!locate) return located();
      throw combineErrors(refs.errors, file);
    }
    hero.references = refs.references;
  }
  return hero;
}
