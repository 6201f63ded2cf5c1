import { HerogenError } from '../errors.js';

export type FrontmatterFormat = 'yaml' | 'toml';

/** The raw frontmatter of a file, before parsing. */
export interface FrontmatterBlock {
  format: FrontmatterFormat;
  /** Text between the fences (without them). */
  text: string;
  /** File lines before `text` starts: a line of `text` plus this is a line of the file. */
  lineOffset: number;
  /** Where `text` starts in the source string (a BOM and the opening fence come before it). */
  offset: number;
}

const OPENING = /^(---|\+\+\+)[ \t]*\r?\n/;

/** True when the text begins like a frontmatter block (`---` or `+++` on the first line). */
export function startsWithFrontmatter(source: string): boolean {
  return OPENING.test(stripBom(source));
}

export function stripBom(source: string): string {
  return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}

/**
 * Cut the frontmatter out of a Markdown source: YAML between `---` lines or TOML between `+++`
 * lines, at the very start (a BOM is skipped; CRLF is fine). Undefined when the file has none.
 * Throws `CONTENT_INVALID` when the block is opened but never closed.
 */
export function splitFrontmatter(source: string, file: string): FrontmatterBlock | undefined {
  const text = stripBom(source);
  const opening = OPENING.exec(text);
  if (!opening) return undefined;
  const fence = opening[1] as '---' | '+++';
  const closing = fence === '---' ? /^---[ \t]*\r?$/gm : /^\+\+\+[ \t]*\r?$/gm;
  closing.lastIndex = opening[0].length;
  const end = closing.exec(text);
  if (!end) {
    throw new HerogenError(
      'CONTENT_INVALID',
      `The frontmatter opened with ${fence} on line 1 is never closed.`,
      {
        location: { file, line: 1 },
        hint: `Add a line containing only ${fence} after the last frontmatter field.`,
      },
    );
  }
  return {
    format: fence === '---' ? 'yaml' : 'toml',
    text: text.slice(opening[0].length, end.index),
    lineOffset: 1,
    offset: source.length - text.length + opening[0].length,
  };
}
