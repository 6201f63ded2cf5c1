import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A README code block marked `<!-- snippet: <setup> <path> -->` on the line before its fence.
 * A `diff` block edits the starter's file; any other block is the whole file.
 */
export interface Snippet {
  setup: string;
  /** Relative to the site root. */
  path: string;
  kind: 'file' | 'diff';
  code: string;
  /** `README.md:12`, for messages. */
  where: string;
}

const MARKER = /^<!--\s*snippet:\s*(\S+)\s+(\S+)\s*-->\s*$/;
const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)/;

export function extractSnippets(markdown: string, source: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line);
    if (!marker) return;
    const where = `${source}:${index + 1}`;
    let start = index + 1;
    while (start < lines.length && lines[start]!.trim() === '') start++;
    const fence = FENCE.exec(lines[start] ?? '');
    if (!fence) throw new Error(`${where}: a snippet marker must be followed by a code block`);
    const end = lines.findIndex((candidate, at) => at > start && candidate.startsWith(fence[1]!));
    if (end < 0) throw new Error(`${where}: the code block is never closed`);
    snippets.push({
      setup: marker[1]!,
      path: marker[2]!,
      kind: fence[2] === 'diff' ? 'diff' : 'file',
      code: `${lines.slice(start + 1, end).join('\n')}\n`,
      where,
    });
  });
  return snippets;
}

/** Write each snippet into the site: whole files as they are, diffs onto the starter's file. */
export async function applySnippets(root: string, snippets: readonly Snippet[]): Promise<void> {
  for (const snippet of snippets) {
    const file = path.join(root, snippet.path);
    if (snippet.kind === 'file') {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, snippet.code);
      continue;
    }
    const text = await readFile(file, 'utf8').catch(() => {
      throw new Error(`${snippet.where}: the diff edits ${snippet.path}, which the starter lacks`);
    });
    await writeFile(file, applyDiff(text, snippet.code, snippet.where));
  }
}

interface Hunk {
  before: string[];
  after: string[];
}

/**
 * Apply a unified-diff-like edit: hunks split by `@@` lines, each line ` ` (kept), `-` (removed)
 * or `+` (added). Lines are compared without surrounding whitespace (a README indents with
 * spaces, a starter may use tabs), and each hunk must match exactly one place.
 */
export function applyDiff(text: string, diff: string, where: string): string {
  const lines = text.split('\n');
  parseHunks(diff).forEach((hunk, index) => {
    const label = `${where}: hunk ${index + 1}`;
    if (hunk.before.length === 0) throw new Error(`${label} has no context line to anchor it`);
    const wanted = hunk.before.map((line) => line.trim());
    const matches: number[] = [];
    for (let at = 0; at + wanted.length <= lines.length; at++) {
      if (wanted.every((line, offset) => lines[at + offset]!.trim() === line)) matches.push(at);
    }
    if (matches.length !== 1) {
      const found = matches.length === 0 ? 'matches nothing' : `matches ${matches.length} places`;
      throw new Error(`${label} ${found} in the starter:\n${hunk.before.join('\n')}`);
    }
    lines.splice(matches[0]!, wanted.length, ...hunk.after);
  });
  return lines.join('\n');
}

function parseHunks(diff: string): Hunk[] {
  const hunks: Hunk[] = [{ before: [], after: [] }];
  for (const line of diff.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('@@')) {
      hunks.push({ before: [], after: [] });
      continue;
    }
    const hunk = hunks.at(-1)!;
    const [mark, rest] = [line.slice(0, 1), line.slice(1)];
    if (mark === '-') hunk.before.push(rest);
    else if (mark === '+') hunk.after.push(rest);
    else {
      hunk.before.push(rest);
      hunk.after.push(rest);
    }
  }
  return hunks.filter((hunk) => hunk.before.length > 0 || hunk.after.length > 0);
}

/** The prompts the snippets write into content files (`prompt: …` lines), with their file. */
export function snippetPrompts(snippets: readonly Snippet[]): { path: string; prompt: string }[] {
  return snippets
    .filter((snippet) => /\.(md|mdx|mdoc)$/.test(snippet.path))
    .flatMap((snippet) =>
      [...snippet.code.matchAll(/^[+ ]?\s*prompt:\s*(.+)$/gm)].map((match) => ({
        path: snippet.path,
        prompt: match[1]!.trim(),
      })),
    );
}
