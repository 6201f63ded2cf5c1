import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { firstInvalidUtf8Line } from './utf8.js';

/** Enough for any reasonable frontmatter; bodies beyond it are never read. */
const HEAD_BYTES = 16 * 1024;
/** One buffer for every read: reads are sync, and a fresh one per file fed the GC. */
const sharedBuffer = Buffer.allocUnsafe(HEAD_BYTES);

const DASH = 0x2d;
const PLUS = 0x2b;
const NEWLINE = 0x0a;

export interface SourceHead {
  /**
   * The file's text up to the end of its closing frontmatter fence; everything read when the
   * fence is not found; empty when the file does not start with `---` or `+++`.
   */
  text: string;
  /** False when the file is longer than what was read and the fence was not found in it. */
  complete: boolean;
  /** Line of the first byte that is not UTF-8 in `text` (decoded as U+FFFD), if any. */
  invalidUtf8Line?: number;
}

/**
 * Read just the frontmatter of a content file. Sync on purpose: for thousands of small files
 * one read on the main thread is several times faster than round-trips through libuv's thread
 * pool (measured ~10 µs vs ~100 µs per file); the scanner yields between batches. Only the
 * frontmatter is decoded, so strings kept from it do not pin whole files in memory.
 */
export function readFrontmatterHead(path: string): SourceHead {
  const fd = openSync(path, 'r');
  let length = 0;
  try {
    while (length < HEAD_BYTES) {
      const read = readSync(fd, sharedBuffer, length, HEAD_BYTES - length, length);
      if (read === 0) break;
      length += read;
    }
  } finally {
    closeSync(fd);
  }
  const complete = length < HEAD_BYTES;
  const start =
    length >= 3 && sharedBuffer[0] === 0xef && sharedBuffer[1] === 0xbb && sharedBuffer[2] === 0xbf
      ? 3
      : 0;
  const marker = sharedBuffer[start];
  if (
    length < start + 3 ||
    (marker !== DASH && marker !== PLUS) ||
    sharedBuffer[start + 1] !== marker ||
    sharedBuffer[start + 2] !== marker
  ) {
    return { text: '', complete: true };
  }
  const end = findClosingFence(sharedBuffer, start + 3, length, marker);
  // A multi-byte character cut at the end of an incomplete read is not an encoding error: the
  // fence was not found, and the caller rereads the whole file.
  if (end === -1 && !complete) return { text: sharedBuffer.toString('utf8', 0, length), complete };
  return decode(sharedBuffer.subarray(0, end === -1 ? length : end));
}

function decode(bytes: Buffer): SourceHead {
  const text = bytes.toString('utf8');
  const invalidUtf8Line = firstInvalidUtf8Line(bytes);
  return invalidUtf8Line === undefined
    ? { text, complete: true }
    : { text, complete: true, invalidUtf8Line };
}

/** Byte offset just past a line holding only the fence (`\n---`, spaces allowed), or -1. */
function findClosingFence(buffer: Buffer, from: number, length: number, marker: number): number {
  const needle = marker === DASH ? '\n---' : '\n+++';
  let index = buffer.indexOf(needle, from, 'latin1');
  while (index !== -1 && index + 4 <= length) {
    let cursor = index + 4;
    while (
      cursor < length &&
      (buffer[cursor] === 0x20 || buffer[cursor] === 0x09 || buffer[cursor] === 0x0d)
    )
      cursor++;
    if (cursor === length || buffer[cursor] === NEWLINE) return cursor;
    index = buffer.indexOf(needle, index + 1, 'latin1');
  }
  return -1;
}

/** The whole file, for frontmatter longer than the head. */
export function readSourceFull(path: string): SourceHead {
  return decode(readFileSync(path));
}
