import type * as SmolToml from 'smol-toml';
import { HerogenError } from '../errors.js';
import { lazyModule } from './lazy-module.js';
import type { FrontmatterBlock } from './split-frontmatter.js';
import { escapeRegExp, type FrontmatterPath } from './yaml-frontmatter.js';

/** smol-toml (9 modules) is loaded for the first TOML frontmatter: most sites have none. */
const loadToml = lazyModule<typeof SmolToml>('smol-toml');

/** TOML frontmatter (`+++`), parsed with smol-toml; lines found by scanning the text. */
export function parseTomlFrontmatter(
  block: FrontmatterBlock,
  file: string,
): { data: unknown; lineOf: (path: FrontmatterPath) => number | undefined } {
  let data: unknown;
  try {
    data = loadToml().parse(block.text);
  } catch (error) {
    const { line: rawLine, column } = error as { line?: number; column?: number };
    const line = (rawLine ?? 1) + block.lineOffset;
    const reason = ((error as Error).message.split('\n')[0] ?? '').replace(
      /^Invalid TOML document:\s*/,
      '',
    );
    throw new HerogenError(
      'CONTENT_INVALID',
      `The TOML frontmatter is invalid: ${reason} (line ${line}${column === undefined ? '' : `, column ${column}`}).`,
      {
        cause: error,
        location: { file, line, ...(column === undefined ? {} : { column }) },
        hint: 'Fix the TOML near that line: write fields as key = "value" and tables as [hero].',
      },
    );
  }
  const lines = block.text.split('\n');
  return {
    data,
    lineOf: (path) => {
      const line = findTomlLine(lines, path);
      return line === undefined ? undefined : line + block.lineOffset;
    },
  };
}

/**
 * 1-based line of `path` in TOML text: `[a]` table headers, `a = ...` and dotted `a.b = ...`
 * keys. Inline tables and arrays resolve to the line of their key.
 */
function findTomlLine(lines: string[], path: FrontmatterPath): number | undefined {
  const [first, second] = path;
  if (typeof first !== 'string') return undefined;
  const key = (name: string) =>
    `(?:${escapeRegExp(name)}|"${escapeRegExp(name)}"|'${escapeRegExp(name)}')`;
  const assignment = new RegExp(`^\\s*${key(first)}\\s*=`);
  const header = new RegExp(`^\\s*\\[\\s*${key(first)}\\s*\\]`);
  const headerIndex = lines.findIndex((line) => header.test(line));
  const assignIndex = firstTopLevel(lines, assignment);
  if (path.length === 1 || typeof second !== 'string') {
    if (assignIndex !== -1) return assignIndex + 1;
    if (headerIndex !== -1) return headerIndex + 1;
    const dotted = firstTopLevel(lines, new RegExp(`^\\s*${key(first)}\\s*\\.`));
    return dotted === -1 ? undefined : dotted + 1;
  }
  if (headerIndex !== -1) {
    const inner = new RegExp(`^\\s*${key(second)}\\s*=`);
    for (
      let index = headerIndex + 1;
      index < lines.length && !/^\s*\[/.test(lines[index]!);
      index++
    ) {
      if (inner.test(lines[index]!)) return index + 1;
    }
    return headerIndex + 1;
  }
  const dotted = firstTopLevel(
    lines,
    new RegExp(`^\\s*${key(first)}\\s*\\.\\s*${key(second)}\\s*=`),
  );
  if (dotted !== -1) return dotted + 1;
  return assignIndex === -1 ? undefined : assignIndex + 1;
}

/** First line matching `pattern` before any table header (top-level keys only). */
function firstTopLevel(lines: string[], pattern: RegExp): number {
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^\s*\[/.test(line)) return -1;
    if (pattern.test(line)) return index;
  }
  return -1;
}
