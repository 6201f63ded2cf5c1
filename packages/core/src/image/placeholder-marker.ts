/**
 * How a file says it is offline art, not an AI image: the local provider writes the marker into
 * EXIF and XMP; history reads it back. Low, so both sides import it.
 */
import { loadSharp } from './load-sharp.js';

/** Start of the EXIF ImageDescription / XMP dc:description of every file the local provider renders. */
export const PLACEHOLDER_MARKER = 'herogen local placeholder';

/**
 * True when an image file carries the local placeholder marker (EXIF or XMP), e.g. a stored
 * original whose lock entry lost its `placeholder` flag. False for anything sharp cannot read.
 */
export async function hasPlaceholderMarker(bytes: Uint8Array): Promise<boolean> {
  const sharp = await loadSharp();
  try {
    const { exif, xmp } = await sharp(bytes).metadata();
    return [exif, xmp].some((block) => block?.toString('latin1').includes(PLACEHOLDER_MARKER));
  } catch {
    return false;
  }
}
