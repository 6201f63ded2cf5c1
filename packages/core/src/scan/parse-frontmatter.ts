import { HerogenError } from '../errors.js';
import {
  type FrontmatterBlock,
  type FrontmatterFormat,
  splitFrontmatter,
} from './split-frontmatter.js';
import { parseTomlFrontmatter } from './toml-frontmatter.js';
import { type FrontmatterPath, parseYamlFrontmatter } from './yaml-frontmatter.js';

export interface ParsedFrontmatter {
  data: Record<string, unknown>;
  /** 1-based file line of the value at `path` (e.g. `['hero', 'aspect']`), if found. */
  lineOf(path: FrontmatterPath): number | undefined;
  format: FrontmatterFormat;
}

/**
 * Parse the frontmatter of a Markdown/MDX/Markdoc source: YAML (`---`) or TOML (`+++`).
 * Undefined when the file has none; throws `CONTENT_INVALID` naming the file, line and
 * column when it is malformed.
 */
export function parseFrontmatter(source: string, file: string): ParsedFrontmatter | undefined {
  const block = splitFrontmatter(source, file);
  return block ? parseFrontmatterBlock(block, file) : undefined;
}

export function parseFrontmatterBlock(block: FrontmatterBlock, file: string): ParsedFrontmatter {
  const { data, lineOf } =
    block.format === 'yaml' ? parseYamlFrontmatter(block, file) : parseTomlFrontmatter(block, file);
  if (data === null || data === undefined) return { data: {}, lineOf, format: block.format };
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    throw new HerogenError(
      'CONTENT_INVALID',
      'The frontmatter is not a set of fields: it must be `key: value` lines, not a single value or a list.',
      {
        location: { file, line: block.lineOffset + 1 },
        hint: 'Write fields such as `title: My post` on their own lines.',
      },
    );
  }
  return { data: data as Record<string, unknown>, lineOf, format: block.format };
}
