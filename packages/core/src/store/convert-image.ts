/** Re-encoding an answer that came in another format than the one asked for. */
import { loadSharp } from '../image/load-sharp.js';
import { hostedSharp } from '../image/sharp-process.js';
import type { ImageFormat } from '../types.js';

/** The answer in the requested format, metadata kept (in herogen's image process). */
export function convert(
  bytes: Uint8Array,
  format: ImageFormat,
  limitInputPixels: number,
): Promise<Uint8Array> {
  return hostedSharp('convert', [bytes, format, limitInputPixels], () =>
    convertHere(bytes, format, limitInputPixels),
  );
}

/** Re-encode an answer in the format the request asked for, metadata kept. */
export async function convertHere(
  bytes: Uint8Array,
  format: ImageFormat,
  limitInputPixels: number,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const pipeline = sharp(bytes, { failOn: 'error', limitInputPixels }).keepMetadata();
  if (format === 'png') return pipeline.png().toBuffer();
  if (format === 'webp') return pipeline.webp({ lossless: true }).toBuffer();
  return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer();
}
