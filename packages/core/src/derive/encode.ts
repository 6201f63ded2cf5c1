/**
 * The sharp adapter: the only file in derive/ that touches pixels. sharp is loaded lazily (by
 * image/load-sharp.ts) so importing @herogen/core never loads libvips.
 */
import { HerogenError } from '../errors.js';
import { loadSharp } from '../image/load-sharp.js';
import { asBuffer, hostedSharp } from '../image/sharp-process.js';
import { writeCacheFile } from './cache.js';
import { sharpInput } from './input.js';
import type { PlaceholderTransform, Transform } from './plan.js';
import type { DeriveInput } from './types.js';
import { AI_GENERATED_XMP } from './xmp.js';

/** Libvips thread pool and cache: bounded, because herogen runs many pipelines at once. */
export function configureSharp(threads: number): Promise<void> {
  return hostedSharp('configure', [threads], () => configureSharpHere(threads));
}

export async function configureSharpHere(threads: number): Promise<void> {
  const sharp = await loadSharp();
  sharp.cache(false);
  sharp.concurrency(threads);
}

export interface OriginalAnalysis {
  width: number;
  height: number;
  format: string;
  dominantColor: string;
  placeholder: string;
}

function toHex(value: number): string {
  return Math.max(0, Math.min(255, Math.round(value)))
    .toString(16)
    .padStart(2, '0');
}

/** Dimensions (after EXIF orientation), dominant colour and the placeholder of an original. */
export function analyzeOriginal(
  input: DeriveInput,
  placeholder: PlaceholderTransform,
  label: string,
): Promise<OriginalAnalysis> {
  return hostedSharp('analyze', [input, placeholder, label], () =>
    analyzeOriginalHere(input, placeholder, label),
  );
}

export async function analyzeOriginalHere(
  input: DeriveInput,
  placeholder: PlaceholderTransform,
  label: string,
): Promise<OriginalAnalysis> {
  const source = await sharpInput(input);
  const sharp = await loadSharp();
  try {
    const metadata = await sharp(source).metadata();
    const width = metadata.autoOrient?.width ?? metadata.width;
    const height = metadata.autoOrient?.height ?? metadata.height;
    if (!width || !height) throw new Error('no dimensions in the image header');
    const { dominant } = await sharp(source).stats();
    const tiny = await sharp(source)
      .autoOrient()
      .resize(placeholder.width)
      .webp({ quality: placeholder.quality })
      .toBuffer();
    return {
      width,
      height,
      format: metadata.format ?? 'unknown',
      dominantColor: `#${toHex(dominant.r)}${toHex(dominant.g)}${toHex(dominant.b)}`,
      placeholder: `data:image/webp;base64,${tiny.toString('base64')}`,
    };
  } catch (cause) {
    throw new HerogenError('IMAGE_INVALID', `Could not read ${label} as an image.`, {
      hint: 'Check the file is a complete PNG, JPEG or WebP; `herogen verify` finds damaged originals.',
      cause,
    });
  }
}

/** Encode one transform of an original. Metadata is stripped unless tagged as AI-generated. */
export async function encodeTransform(
  input: DeriveInput,
  transform: Transform,
  label: string,
): Promise<Buffer> {
  return asBuffer(
    await hostedSharp('encode', [input, transform, label], () =>
      encodeTransformHere(input, transform, label),
    ),
  );
}

/**
 * Encode one transform of an original straight into the cache file `path`; resolves with its
 * size. The image process writes the file itself, so the encoded bytes never cross to this
 * process (one copy less per derivative, and no malloc churn here).
 */
export function encodeTransformTo(
  input: DeriveInput,
  transform: Transform,
  label: string,
  path: string,
): Promise<number> {
  return hostedSharp('encodeTo', [input, transform, label, path], () =>
    encodeTransformToHere(input, transform, label, path),
  );
}

export async function encodeTransformToHere(
  input: DeriveInput,
  transform: Transform,
  label: string,
  path: string,
): Promise<number> {
  const encoded = await encodeTransformHere(input, transform, label);
  await writeCacheFile(path, encoded);
  return encoded.length;
}

export async function encodeTransformHere(
  input: DeriveInput,
  transform: Transform,
  label: string,
): Promise<Buffer> {
  const source = await sharpInput(input);
  const sharp = await loadSharp();
  try {
    let pipeline = sharp(source).autoOrient();
    pipeline =
      transform.kind === 'og'
        ? pipeline.resize(transform.width, transform.height, {
            fit: 'cover',
            position: sharp.strategy.attention,
          })
        : // Height is computed in plan.ts, so dimensions are known before encoding.
          pipeline.resize(transform.width, transform.height, { fit: 'cover' });
    if (transform.tagAiGenerated) pipeline = pipeline.withXmp(AI_GENERATED_XMP);
    switch (transform.format) {
      case 'avif':
        pipeline = pipeline.avif({ quality: transform.quality, effort: transform.effort ?? 4 });
        break;
      case 'webp':
        pipeline = pipeline.webp({ quality: transform.quality });
        break;
      case 'jpeg':
        pipeline = pipeline
          .flatten({ background: '#ffffff' })
          .jpeg({ quality: transform.quality, mozjpeg: true });
        break;
      case 'png':
        pipeline = pipeline.png({ compressionLevel: 9 });
        break;
    }
    return await pipeline.toBuffer();
  } catch (cause) {
    throw new HerogenError(
      'IMAGE_INVALID',
      `Could not encode a ${transform.width}×${transform.height} ${transform.format} of ${label}.`,
      { hint: 'Check the original is a complete image; delete it to regenerate.', cause },
    );
  }
}
