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
  return new Uint8Array(bytes);
}
