import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, relative } from 'node:path';
import { HerogenError } from '../errors.js';
import { plural } from '../text/plural.js';
import type { Lock } from '../types.js';
import { isSurelyValidLock } from './fast-validate.js';
import { lockSchema } from './schema.js';
import { createEmptyLock } from './serialize-lock.js';

/** The lock as parsed, plus the exact text it came from (`undefined` when the file is missing). */
export interface LockSnapshot {
  lock: Lock;
  text: string | undefined;
}

/** How a path is shown in messages: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function restoreHint(path: string): string {
  return `Fix the file by hand, or restore the last committed version: git checkout -- ${displayPath(path)}`;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Where JSON.parse stopped, from its message (V8 reports a position and, lately, line/column). */
function jsonErrorPosition(
  text: string,
  message: string,
): { line: number; column: number } | undefined {
  const lineMatch = /line (\d+) column (\d+)/.exec(message);
  if (lineMatch) return { line: Number(lineMatch[1]), column: Number(lineMatch[2]) };
  const positionMatch = /position (\d+)/.exec(message);
  if (positionMatch) return lineColumn(text, Number(positionMatch[1]));
  if (/Unexpected end of JSON input/i.test(message)) return lineColumn(text, text.length);
  // `Unexpected token 'x', ..."<10 chars before>x<10 after>"... is not valid JSON`
  const context =
    /^Unexpected token '(.+?)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/.exec(message);
  if (context) {
    const [, token = '', before, snippet = ''] = context;
    const start = before ? text.indexOf(snippet) : 0;
    const offset = before ? 10 : snippet.indexOf(token);
    if (start >= 0 && offset >= 0) return lineColumn(text, start + offset);
  }
  return undefined;
}

/**
 * Parse the text of a lock file. Throws `LOCK_INVALID` naming the file, line and column (bad
 * JSON) or the field path (`images.<key>.sha256`) of the first problem. Whitespace-only text
 * is an empty lock: it holds no entries that could be lost.
 */
export function parseLock(source: string, path: string): Lock {
  // Some Windows editors add a byte-order mark; JSON.parse rejects it.
  const text = source.replace(/^\uFEFF/, '');
  if (text.trim() === '') return createEmptyLock();
  const shown = displayPath(path);
  // The multi-line regex over a large lock is slow; it only runs when a marker may be there.
  const conflict =
    text.includes('<<<<<<<') || text.includes('>>>>>>>') || text.includes('=======')
      ? /^(<{7}|>{7}|={7})( |$)/m.exec(text)
      : null;
  if (conflict) {
    const { line } = lineColumn(text, conflict.index);
    throw new HerogenError(
      'LOCK_INVALID',
      `${shown} contains git merge conflict markers (line ${line}); herogen will not run until the conflict is resolved, so that no recorded image is lost.`,
      {
        location: { file: shown, line, column: 1 },
        hint: `Keep the entries from both sides (each key is independent), remove the markers, and check it parses. Or start again from one side: git checkout --ours -- ${shown}`,
      },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    const at = jsonErrorPosition(text, reason);
    const where = at ? ` at line ${at.line}, column ${at.column}` : '';
    // V8 appends the position, already given in a friendlier form.
    const what = reason
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, (\.\.\.)?"[\s\S]*is not valid JSON$/, '');
    throw new HerogenError(
      'LOCK_INVALID',
      `${shown} is not valid JSON${where} (${what}); herogen refuses to run rather than overwrite it and lose the record of stored images.`,
      {
        location: { file: shown, ...(at ?? {}) },
        hint: restoreHint(path),
        cause: error,
      },
    );
  }
  // A valid lock passes the hand-written check in a few ms; anything it is not sure of goes to
  // zod, which rejects it (or not) and words the error, exactly as before.
  if (isSurelyValidLock(data)) return data;
  const result = lockSchema.safeParse(data);
  if (result.success) return result.data as Lock;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(top level)';
  const more = result.error.issues.length - 1;
  const newer =
    typeof data === 'object' && data !== null && (data as { version?: unknown }).version !== 1
      ? ' It may have been written by a newer herogen: upgrade herogen, or fix the version.'
      : '';
  throw new HerogenError(
    'LOCK_INVALID',
    `${shown} has an invalid value at ${field}: ${issue.message}${more > 0 ? ` (and ${plural(more, 'more problem')})` : ''}; herogen refuses to run rather than overwrite it and lose the record of stored images.${newer}`,
    { location: { file: shown, field }, hint: restoreHint(path) },
  );
}

/**
 * The text of the lock, `undefined` when the file is missing; throws `LOCK_IO` when it cannot
 * be read. Parse it with `lockFromText`: a plan starts the read before scanning the content,
 * so the bytes of a large lock arrive meanwhile.
 */
export async function readLockText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new HerogenError(
      'LOCK_IO',
      `Cannot read ${displayPath(path)} (${code ?? (error as Error).message}).`,
      { cause: error, hint: `Check that ${basename(path)} is a readable file.` },
    );
  }
}

/** The lock a `readLockText` result holds: a missing file is an empty lock. */
export function lockFromText(text: string | undefined, path: string): Lock {
  return text === undefined ? createEmptyLock() : parseLock(text, path);
}

/** Read the lock with the exact text it came from; a missing file is an empty lock. */
export async function readLockSnapshot(path: string): Promise<LockSnapshot> {
  const text = await readLockText(path);
  return { lock: lockFromText(text, path), text };
}

/**
 * Read `herogen.lock.json`. A missing file is an empty lock; a damaged one throws
 * `LOCK_INVALID` and is never touched.
 */
export async function readLock(path: string): Promise<Lock> {
  return (await readLockSnapshot(path)).lock;
}
