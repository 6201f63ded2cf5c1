/** Byte-level checks on what an API returned: strict base64 (image types: image/sniff.ts). */

/** Decode standard base64, or return undefined when the text is not valid base64. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0) return undefined;
  // Node's decoder silently skips bad characters and stops at misplaced padding, so valid input
  // is exactly the input that decodes to its full length. It also takes the base64url alphabet,
  // which standard base64 does not. (A regex over a multi-megabyte image was the slow part.)
  if (text.includes('-') || text.includes('_')) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== (text.length / 4) * 3 - padding) return undefined;
  return ownBytes(bytes);
}

/**
 * A plain Uint8Array of a Buffer's bytes, alone in its memory: the Buffer's own memory when it
 * has it to itself (a large one), a copy when it is a slice of Node's shared pool (a small one).
 */
export function ownBytes(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? new Uint8Array(bytes.buffer)
    : new Uint8Array(bytes);
}
