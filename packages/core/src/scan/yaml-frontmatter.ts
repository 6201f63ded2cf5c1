import jsYaml from 'js-yaml';
import type * as Yaml from 'yaml';
import { HerogenError } from '../errors.js';
import { lazyModule } from './lazy-module.js';
import type { FrontmatterBlock } from './split-frontmatter.js';

export type FrontmatterPath = readonly (string | number)[];

/**
 * Data via js-yaml with its default schema (what Astro uses, so both see the same values,
 * merge keys included; and ~8x faster than `yaml` on small documents); positions via `yaml`'s CST with a LineCounter, built lazily
 * only when a nested line is asked for (that is, when there is something to report).
 */
export function parseYamlFrontmatter(
  block: FrontmatterBlock,
  file: string,
): { data: unknown; lineOf: (path: FrontmatterPath) => number | undefined } {
  let data: unknown;
  try {
    data = jsYaml.load(block.text, { filename: file });
  } catch (error) {
    const mark = (error as { mark?: { line?: number; column?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    const line = (mark?.line ?? 0) + 1 + block.lineOffset;
    const column = (mark?.column ?? 0) + 1;
    // js-yaml reports an unclosed quote or bracket where the text ends, not where it opened.
    const unclosed = /end of the stream/.test(reason)
      ? '; a quote or bracket opened above this line is never closed'
      : '';
    throw new HerogenError(
      'CONTENT_INVALID',
      `The YAML frontmatter is invalid: ${reason} (line ${line}, column ${column})${unclosed}.`,
      {
        cause: error,
        location: { file, line, column },
        hint: 'Fix the YAML near that line: indent nested fields with spaces, and quote values that contain ": " or " #" or start with *, &, !, [, {, @ or a backtick.',
      },
    );
  }
  return { data, lineOf: createYamlLineFinder(block) };
}

/** `yaml` (72 modules) is loaded the first time a nested line is needed (an error to report). */
const loadYaml = lazyModule<typeof Yaml>('yaml');

function createYamlLineFinder(
  block: FrontmatterBlock,
): (path: FrontmatterPath) => number | undefined {
  let document: Yaml.Document.Parsed | undefined;
  let counter: Yaml.LineCounter | undefined;
  return (path) => {
    if (path.length === 0) return undefined;
    if (path.length === 1 && typeof path[0] === 'string') {
      const line = findTopLevelKeyLine(block.text, path[0]);
      if (line !== undefined) return line + block.lineOffset;
    }
    const { isMap, isScalar, isSeq, LineCounter, parseDocument } = loadYaml();
    if (!document || !counter) {
      counter = new LineCounter();
      document = parseDocument(block.text, {
        lineCounter: counter,
        uniqueKeys: false,
        prettyErrors: false,
      });
    }
    let node: unknown = document.contents;
    let offset: number | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) return undefined;
        offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as { range?: [number, number, number] } | undefined;
        if (!item) return undefined;
        offset = item.range?.[0];
        node = item;
      } else {
        return undefined;
      }
    }
    return offset === undefined ? undefined : counter.linePos(offset).line + block.lineOffset;
  };
}

const keyPatterns = new Map<string, RegExp>();

/** 1-based line of a top-level `key:` in YAML text: a key at column 0, maybe quoted. */
export function findTopLevelKeyLine(text: string, key: string): number | undefined {
  let pattern = keyPatterns.get(key);
  if (!pattern) {
    const escaped = escapeRegExp(key);
    pattern = new RegExp(`^(?:${escaped}|"${escaped}"|'${escaped}')[ \\t]*:(?:[ \\t]|\\r?$)`, 'm');
    keyPatterns.set(key, pattern);
  }
  const match = pattern.exec(text);
  if (!match) return undefined;
  return countLines(text, match.index);
}

export function countLines(text: string, offset: number): number {
  let line = 1;
  for (
    let index = text.indexOf('\n');
    index !== -1 && index < offset;
    index = text.indexOf('\n', index + 1)
  ) {
    line++;
  }
  return line;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
