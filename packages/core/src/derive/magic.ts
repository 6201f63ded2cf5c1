import type { DeriveFormat } from './types.js';

/** Bytes needed by `sniffFormat`. */
export const MAGIC_LENGTH = 12;

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** Pure: the format a file's first bytes announce, or undefined when none we write. */
export function sniffFormat(head: Uint8Array): DeriveFormat | undefined {
  if (head.length < MAGIC_LENGTH) return undefined;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head[0] === 0x89 && ascii(head, 1, 4) === 'PNG') return 'png';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (ascii(head, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(head, 8, 12))) return 'avif';
  return undefined;
}
