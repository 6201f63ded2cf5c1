/**
 * Content files must be UTF-8. Decoding invalid bytes leniently would send U+FFFD characters to
 * a paid API in place of what the author wrote, so a file whose frontmatter is not valid UTF-8
 * is refused before any call, naming the line and the field that hold the first bad byte.
 */
import { isUtf8 } from 'node:buffer';
import { formatPath } from '../config/format-issues.js';
import { HerogenError } from '../errors.js';
import type { ParsedFrontmatter } from './parse-frontmatter.js';

const NEWLINE = 0x0a;

/** 1-based line of the first byte sequence that is not UTF-8; undefined when all of it is. */
export function firstInvalidUtf8Line(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  // A newline byte never occurs inside a multi-byte character, so lines can be checked alone.
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    if (!isUtf8(bytes.subarray(start, end))) return line;
    if (newline === -1) break;
    start = newline + 1;
    line += 1;
  }
  return undefined;
}

/** The error for a file whose frontmatter has invalid UTF-8 on `line` (in `frontmatter`'s `field`). */
export function invalidUtf8Error(
  file: string,
  line: number,
  frontmatter?: ParsedFrontmatter,
): HerogenError {
  const field = frontmatter ? fieldAtLine(frontmatter, line) : undefined;
  return new HerogenError(
    'CONTENT_INVALID',
    'The frontmatter is not valid UTF-8 (the first bad byte is on this line); herogen does not guess which characters were meant, so nothing is sent to the API.',
    {
      location: { file, line, ...(field ? { field } : {}) },
      hint: 'Save the file as UTF-8 (most editors: "Save with encoding" → UTF-8) and check the text on that line.',
    },
  );
}

/** Paths visited at most: frontmatter is small, but aliases can make it look huge. */
const MAX_VISITS = 2000;

/**
 * A descendant starting on the same line is more precise; siblings on one line (`{a: 1, b: 2}`)
 * cannot be told apart by line, so their parent is named.
 */
function deeperOrShared(
  current: (string | number)[],
  next: (string | number)[],
): (string | number)[] {
  let shared = 0;
  while (shared < current.length && current[shared] === next[shared]) shared++;
  if (shared === current.length) return next;
  return shared > 0 ? next.slice(0, shared) : current;
}

/** The deepest field whose value starts on or above `line` and closest to it. */
function fieldAtLine(frontmatter: ParsedFrontmatter, line: number): string | undefined {
  let best: { path: (string | number)[]; line: number } | undefined;
  let visits = 0;
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: (string | number)[]) => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
    for (const [key, child] of entries) {
      if (++visits > MAX_VISITS) return;
      const childPath = [...path, key];
      const at = frontmatter.lineOf(childPath);
      if (at === undefined || at > line) continue;
      if (!best || at > best.line) best = { path: childPath, line: at };
      else if (at === best.line) best = { path: deeperOrShared(best.path, childPath), line: at };
      visit(child, childPath);
    }
  };
  visit(frontmatter.data, []);
  return best ? formatPath(best.path) : undefined;
}
