import { loadSharp } from '../image/load-sharp.js';

export interface Thumbnail {
  /** `data:image/webp;base64,…`, for a page that must work offline and on its own. */
  dataUri: string;
  width: number;
  height: number;
}

/**
 * A small webp of an image (bytes or a path), `width` pixels wide at most, as a data URI.
 * Throws when the input does not decode.
 */
export async function createThumbnail(
  input: Uint8Array | string,
  options: { width?: number; quality?: number } = {},
): Promise<Thumbnail> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(input, { failOn: 'error' })
    .rotate()
    .resize({ width: options.width ?? 320, withoutEnlargement: true })
    .webp({ quality: options.quality ?? 70 })
    .toBuffer({ resolveWithObject: true });
  return {
    dataUri: `data:image/webp;base64,${data.toString('base64')}`,
    width: info.width,
    height: info.height,
  };
}
