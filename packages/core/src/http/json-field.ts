/**
 * Parse a JSON answer that carries one large string (an image as base64) without building that
 * string inside the parsed object: the value is cut out of the bytes, the rest (a few hundred
 * bytes) goes through `JSON.parse` with the field emptied. An image answer of 1.3 MB then costs
 * one copy of its base64 text instead of three (the decoded body, the parsed value, the
 * decoded image), and the main thread does not scan the megabyte twice.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

function skipSpace(bytes: Buffer, at: number): number {
  let i = at;
  // JSON whitespace: space, tab, line feed, carriage return.
  while (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d) i += 1;
  return i;
}

export interface SplitJson {
  /** The answer parsed with the field's value replaced by `""`. */
  json: unknown;
  /** The field's value, read as Latin-1 (exact for the ASCII of base64). */
  value: string;
}

/**
 * Split out the one string value of `key` from a JSON body. Undefined whenever the fast path
 * cannot be sure to read what `JSON.parse` would: the key is missing or appears twice, its value
 * is not a plain string or holds an escape, or the rest is not valid JSON. Callers then parse
 * the whole body as before. The caller checks that the emptied field sits where it expects.
 */
export function splitJsonString(body: Uint8Array, key: string): SplitJson | undefined {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const needle = `"${key}"`;
  const at = bytes.indexOf(needle);
  if (at === -1 || bytes.indexOf(needle, at + needle.length) !== -1) return undefined;
  let i = skipSpace(bytes, at + needle.length);
  if (bytes[i] !== COLON) return undefined;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] !== QUOTE) return undefined;
  const start = i + 1;
  const end = bytes.indexOf(QUOTE, start);
  if (end === -1 || bytes.subarray(start, end).includes(BACKSLASH)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', 0, start) + bytes.toString('utf8', end));
  } catch {
    return undefined;
  }
  return { json, value: bytes.toString('latin1', start, end) };
}
