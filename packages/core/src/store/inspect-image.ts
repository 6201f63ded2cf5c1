import { open } from 'node:fs/promises';
import type { Metadata } from 'sharp';
import { HerogenError } from '../errors.js';
import { loadSharp } from '../image/load-sharp.js';
import { hostedSharp } from '../image/sharp-process.js';
import type { ImageFormat } from '../types.js';
import {
  checkDimensions,
  type ExpectedDimensions,
  MAX_INPUT_PIXELS,
  megapixels,
} from './expected-size.js';

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

export interface InspectOptions {
  /** Refuse, before decoding a pixel, an image whose header declares another size. */
  expected?: ExpectedDimensions | undefined;
  /** Refuse, before decoding, an image of more pixels than this. @default MAX_INPUT_PIXELS */
  maxPixels?: number;
}

/** Where the same bytes are on disk: `length` bytes of `file` from `offset` (a journal record). */
export interface FileRegion {
  file: string;
  offset: number;
  length: number;
}

/**
 * Decode `bytes` fully and report format and size. Throws `IMAGE_INVALID` for bytes that are
 * not an image, a truncated or damaged image, or a format other than PNG, WebP or JPEG. The
 * size the header declares is checked first, so a decompression bomb (a small file that
 * declares a huge image) is refused without decoding it.
 *
 * `onDisk`: the same bytes in a file. The image process then reads them there rather than
 * being sent a copy; if it cannot (the file changed or went), it is sent the bytes.
 */
export async function inspectImage(
  bytes: Uint8Array,
  options: InspectOptions = {},
  onDisk?: FileRegion,
): Promise<ImageInfo> {
  const here = () => inspectImageHere(bytes, options);
  if (onDisk && onDisk.length === bytes.byteLength) {
    try {
      return await hostedSharp('inspect', [onDisk, options], here);
    } catch (error) {
      if (HerogenError.is(error)) throw error;
    }
  }
  return hostedSharp('inspect', [bytes, options], here);
}

/** The bytes of a region, or an error (never IMAGE_INVALID) when the file does not hold them. */
async function readRegion(region: FileRegion): Promise<Uint8Array> {
  const handle = await open(region.file, 'r');
  try {
    const bytes = Buffer.allocUnsafe(region.length);
    const { bytesRead } = await handle.read(bytes, 0, region.length, region.offset);
    if (bytesRead !== region.length) throw new Error(`${region.file} is shorter than expected`);
    return bytes;
  } finally {
    await handle.close();
  }
}

export async function inspectImageHere(
  source: Uint8Array | FileRegion,
  options: InspectOptions = {},
): Promise<ImageInfo> {
  const bytes = source instanceof Uint8Array ? source : await readRegion(source);
  const sharp = await loadSharp();
  if (bytes.byteLength === 0) throw invalid('The image is empty (0 bytes).');
  const limitInputPixels = Math.min(options.maxPixels ?? MAX_INPUT_PIXELS, MAX_INPUT_PIXELS);
  let metadata: Metadata;
  try {
    // metadata() reads the header only, so it may see any size: the checks below say what is
    // wrong with it, and sharp's own pixel limit still guards the decode.
    metadata = await sharp(bytes, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (error) {
    throw invalid(`The bytes are not a readable image (${(error as Error).message}).`, error);
  }
  const format = SUPPORTED[metadata.format];
  if (!format) {
    throw invalid(`The image is ${metadata.format}; herogen stores only PNG, WebP and JPEG.`);
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw invalid(`The ${format} image has no size.`);
  const declared = options.expected && checkDimensions(options.expected, width, height);
  if (declared) throw invalid(`The ${format} image ${declared}; it was not decoded.`);
  if (width * height > limitInputPixels) {
    throw invalid(
      `The ${format} image declares ${width}x${height} (${megapixels(width * height)}), more than the ${megapixels(limitInputPixels)} herogen decodes; it was not decoded.`,
    );
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
    await sharp(bytes, { failOn: 'error', limitInputPixels }).extractChannel(0).raw().toBuffer();
  } catch (error) {
    throw invalid(
      `The ${format} image is truncated or damaged (${(error as Error).message}).`,
      error,
    );
  }
  return { format, width, height };
}
