/**
 * Write a hero's alt text back into its content file. Only the bytes of the alt value change
 * (or one `alt:` line is added): comments, quoting, key order, line endings and the body stay
 * as they were. The prompt is never rewritten. YAML frontmatter only.
 */
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Scalar } from 'yaml';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { resolveInsideRoot } from '../fs/path-safety.js';
import { splitFrontmatter } from '../scan/split-frontmatter.js';
import { printablePath } from '../text/printable.js';

/** Longest alt text accepted: a description, not an essay. */
export const MAX_ALT_LENGTH = 1000;

export interface EditAltOptions {
  root: string;
  /** Root-relative POSIX path of the content file. */
  file: string;
  /** Frontmatter field of the hero (`ContentHero.field`). */
  field: string;
  alt: string;
}

export interface EditAltResult {
  /** False when the file already said exactly this. */
  changed: boolean;
  previous: string | undefined;
}

/** Set `<field>.alt` in a content file's YAML frontmatter, changing nothing else. */
export async function editAlt(options: EditAltOptions): Promise<EditAltResult> {
  const { file, field, alt } = options;
  checkAlt(alt, file);
  const absolute = resolveInsideRoot(options.root, file, 'content file');
  const source = await readFile(absolute, 'utf8');
  const { text, previous } = await replaceAlt(source, file, field, alt);
  if (text === source) return { changed: false, previous };
  // Saved by the author meanwhile: never overwrite what was not read.
  if ((await readFile(absolute, 'utf8')) !== source) {
    throw new HerogenError(
      'CONTENT_INVALID',
      `${printablePath(file)} changed while its alt text was being written; nothing was written`,
      { hint: 'try again' },
    );
  }
  await writeFileAtomic(absolute, text);
  return { changed: true, previous };
}

/** The source with `<field>.alt` set to `alt`, everything else byte for byte. No I/O. */
export async function replaceAlt(
  source: string,
  file: string,
  field: string,
  alt: string,
): Promise<{ text: string; previous: string | undefined }> {
  // Loaded on first edit: most processes never edit an alt.
  const { isMap, isScalar, parseDocument, stringify } = await import('yaml');
  const refuse = (why: string) =>
    new HerogenError(
      'CONTENT_INVALID',
      `cannot edit the alt text of ${printablePath(file)}: ${why}`,
      {
        hint: `edit the \`${field}.alt\` field of the file by hand`,
      },
    );
  const block = splitFrontmatter(source, file);
  if (!block) throw refuse('it has no frontmatter');
  if (block.format !== 'yaml') throw refuse('only YAML frontmatter is edited');
  const doc = parseDocument(block.text);
  if (doc.errors.length > 0)
    throw refuse(`its frontmatter does not parse (${doc.errors[0]?.message})`);
  const hero = doc.get(field, true);
  if (!isMap(hero)) throw refuse(`\`${field}\` is not a map with a prompt`);
  const node = hero.get('alt', true);
  let edited: string;
  let previous: string | undefined;
  if (node !== undefined) {
    if (!isScalar(node) || !node.range) throw refuse('its alt is not a plain text value');
    previous = typeof node.value === 'string' ? node.value : undefined;
    if (previous === alt) return { text: source, previous };
    const [start, valueEnd] = node.range;
    edited =
      block.text.slice(0, start) + renderScalar(stringify, alt, node) + block.text.slice(valueEnd);
  } else {
    if (hero.flow) throw refuse(`\`${field}\` is written on one line and has no alt`);
    const prompt = hero.items.find((pair) => isScalar(pair.key) && pair.key.value === 'prompt');
    const keyNode = prompt?.key as Scalar | undefined;
    const value = prompt?.value as Scalar | undefined;
    if (!keyNode?.range || !value?.range) throw refuse(`\`${field}\` has no prompt line`);
    const lineStart = block.text.lastIndexOf('\n', keyNode.range[0] - 1) + 1;
    const indent = block.text.slice(lineStart, keyNode.range[0]);
    if (!/^[ \t]*$/.test(indent)) throw refuse('its prompt does not start a line');
    // After the prompt's value (which may span lines), at the start of the next line.
    const end = block.text.indexOf('\n', value.range[1] - 1);
    const at = end === -1 ? block.text.length : end + 1;
    const newline = block.text.includes('\r\n') ? '\r\n' : '\n';
    const line = `${indent}alt: ${renderScalar(stringify, alt)}${newline}`;
    edited = `${block.text.slice(0, at)}${end === -1 && at > 0 ? newline : ''}${line}${block.text.slice(at)}`;
  }
  // The edit must mean exactly "alt changed": same data otherwise, same alt as asked.
  const before = doc.toJS() as Record<string, unknown>;
  const after = parseDocument(edited).toJS() as Record<string, unknown>;
  const expected = { ...before, [field]: { ...(before[field] as object), alt } };
  if (!isDeepStrictEqual(after, expected)) throw refuse('the edit would change other fields');
  const start = block.offset;
  return {
    text: source.slice(0, start) + edited + source.slice(start + block.text.length),
    previous,
  };
}

/** The alt as a YAML scalar on one line, in the style the old value had when it can be. */
function renderScalar(
  stringify: typeof import('yaml').stringify,
  alt: string,
  like?: Scalar,
): string {
  const type = like?.type === 'QUOTE_SINGLE' || like?.type === 'QUOTE_DOUBLE' ? like.type : 'PLAIN';
  const text = stringify(alt, { lineWidth: 0, defaultStringType: type }).replace(/\n$/, '');
  return text.includes('\n') ? JSON.stringify(alt) : text;
}

function checkAlt(alt: unknown, file: string): asserts alt is string {
  if (typeof alt !== 'string' || alt.length > MAX_ALT_LENGTH || /[\u0000-\u001f\u007f]/.test(alt)) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `the alt text for ${printablePath(file)} must be one line of at most ${MAX_ALT_LENGTH} characters`,
    );
  }
}
