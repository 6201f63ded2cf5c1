/** Byte-level checks on what an API returned: strict base64 (image types: image/sniff.ts). */

/**
 * Standard base64 decoded piece by piece, as it arrives, into one growing buffer: the text is
 * never held whole. Any character outside the alphabet (whitespace, the base64url `-` and `_`,
 * anything else), padding anywhere but at the very end, or a length that is not a multiple of
 * four makes the whole value invalid, and `end()` then returns undefined.
 */
export class Base64Decoder {
  private out: Buffer;
  private length = 0;
  /** Up to 3 characters of an incomplete group, waiting for the next piece. */
  private carry = '';
  private padded = false;
  private seen = 0;
  private bad = false;

  /** `expectedBytes`: a guess at the decoded size (e.g. from the body's length), to allocate once. */
  constructor(expectedBytes = 0) {
    this.out = Buffer.allocUnsafe(Math.max(0, Math.ceil(expectedBytes)));
  }

  get invalid(): boolean {
    return this.bad;
  }

  /** Add the next characters of the text (as a Latin-1 string, exact for base64's ASCII). */
  push(piece: string): void {
    if (this.bad || piece.length === 0) return;
    this.seen += piece.length;
    // Nothing may follow padding.
    if (this.padded) {
      this.bad = true;
      return;
    }
    const text = this.carry + piece;
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    if (whole === 0) return;
    const group = whole === text.length ? text : text.slice(0, whole);
    // Node's decoder takes the base64url alphabet and silently skips bad characters and stops
    // at misplaced padding, so valid input is exactly input that decodes to its full length.
    if (group.includes('-') || group.includes('_')) {
      this.bad = true;
      return;
    }
    const equals = group.indexOf('=');
    let padding = 0;
    if (equals !== -1) {
      padding = whole - equals;
      if (padding > 2 || (padding === 2 && group[whole - 1] !== '=')) {
        this.bad = true;
        return;
      }
      this.padded = true;
    }
    const expected = (whole / 4) * 3 - padding;
    this.reserve(expected);
    const written = this.out.write(group, this.length, 'base64');
    if (written !== expected) {
      this.bad = true;
      return;
    }
    this.length += written;
  }

  /** The decoded bytes, or undefined when the text was empty or not valid base64. */
  end(): Uint8Array | undefined {
    if (this.bad || this.carry !== '' || this.seen === 0) return undefined;
    // A buffer allocated from a guess keeps its unused tail only when it is small.
    if (this.out.byteLength - this.length > 64 * 1024) {
      return new Uint8Array(this.out.subarray(0, this.length));
    }
    const bytes = ownBytes(this.out);
    return bytes.subarray(0, this.length);
  }

  private reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.out.byteLength) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.out.byteLength * 2, 64 * 1024));
    this.out.copy(grown, 0, 0, this.length);
    this.out = grown;
  }
}

/** Decode standard base64, or return undefined when the text is not valid base64. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const decoder = new Base64Decoder((text.length / 4) * 3);
  decoder.push(text);
  return decoder.end();
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
