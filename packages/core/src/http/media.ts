/** Byte-level checks on what an API returned: strict base64 and image type sniffing. */

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

export interface SniffedImage {
  mediaType: string;
  /** File extension without the dot. */
  extension: string;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, index) => bytes[offset + index] === value);
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type from magic bytes, or undefined when the bytes are not a known image. */
export function sniffImageType(bytes: Uint8Array): SniffedImage | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { mediaType: 'image/png', extension: 'png' };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mediaType: 'image/jpeg', extension: 'jpeg' };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) {
    return { mediaType: 'image/webp', extension: 'webp' };
  }
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) {
    return { mediaType: 'image/gif', extension: 'gif' };
  }
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (brand === 'avif' || brand === 'avis') return { mediaType: 'image/avif', extension: 'avif' };
  }
  // gpt-image-2.6 can return SVG, which is text.
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(head)) {
    return { mediaType: 'image/svg+xml', extension: 'svg' };
  }
  return undefined;
}
