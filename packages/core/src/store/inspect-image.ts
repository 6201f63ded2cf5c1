import type { Metadata } from 'sharp';
import { HerogenError } from '../errors.js';
import type { ImageFormat } from '../types.js';
import { loadSharp } from './load-sharp.js';

export interface ImageInfo {
  format: ImageFormat;
  /** Displayed size: EXIF orientation applied. */
  width: number;
  height: number;
}

const SUPPORTED: Record<string, ImageFormat> = { png: 'png', webp: 'webp', jpeg: 'jpeg' };
/** The IEND chunk (length 0, type, CRC) that closes every complete PNG. */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

function invalid(message: string, cause?: unknown): HerogenError {
  return new HerogenError('IMAGE_INVALID', message, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'The provider returned a damaged or unexpected image; nothing was stored. Try again.',
  });
}

/**
 * Decode `bytes` fully and report format and size. Throws `IMAGE_INVALID` for bytes that are
 * not an image, a truncated or damaged image, or a format other than PNG, WebP or JPEG.
 */
export async function inspectImage(bytes: Uint8Array): Promise<ImageInfo> {
  const sharp = await loadSharp();
  if (bytes.byteLength === 0) throw invalid('The image is empty (0 bytes).');
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { failOn: 'error' }).metadata();
  } catch (error) {
    throw invalid(`The bytes are not a readable image (${(error as Error).message}).`, error);
  }
  const format = SUPPORTED[metadata.format];
  if (!format) {
    throw invalid(`The image is ${metadata.format}; herogen stores only PNG, WebP and JPEG.`);
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Searched from the end rather than required last: some encoders append trailing bytes.
  if (format === 'png' && buffer.lastIndexOf(PNG_END) === -1) {
    throw invalid('The PNG is truncated: it does not end with an IEND chunk.');
  }
  try {
    // metadata() reads only the header; decoding every pixel is what catches truncation. A
    // raw decode does that at a fraction of the cost of stats() (no histograms or convolution);
    // one channel keeps the transient buffer small.
    await sharp(bytes, { failOn: 'error' }).extractChannel(0).raw().toBuffer();
  } catch (error) {
    throw invalid(
      `The ${format} image is truncated or damaged (${(error as Error).message}).`,
      error,
    );
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw invalid(`The ${format} image has no size.`);
  return { format, width, height };
}
