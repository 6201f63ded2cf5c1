/** Byte-level checks on what an API returned: strict base64 (image types: image/sniff.ts). */

/**
 * Standard base64 decoded piece by piece, as it arrives, into one growing buffer: the text is
 * never held whole. Any character outside the alphabet (whitespace, the base64url `-` and `_`,
 * anything else), padding anywhere but at the very end, or a length that is not a multiple of
 * four makes the whole value invalid, and `end()` then returns undefined.
 */
export class Base64Decoder {
  private out: ArrayBuffer;
  private length = 0;
  /** Up to 3 characters of an incomplete group, waiting for the next piece. */
  private carry = '';
  private padded = false;
  private seen = 0;
  private bad = false;

  /** `maxBytes`: the most the value can decode to (from the body's length or cap). */
  constructor(maxBytes = 0) {
    this.out = growableBuffer(Math.ceil(maxBytes));
  }

  get invalid(): boolean {
    return this.bad;
  }

  /** Add the next characters of the text (as a Latin-1 string, exact for base64's ASCII). */
  push(piece: string): void {
    if (this.bad || piece.length === 0) return;
    this.seen += piece.length;
    const text = this.carry + piece;
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    if (whole > 0) this.decode(whole === text.length ? text : text.slice(0, whole));
  }

  /**
   * Add `bytes[from, to)` as characters. The whole groups are decoded from one string made of
   * them, so a chunk of a body costs one short-lived string, not three (concatenated, flattened,
   * sliced).
   */
  pushBytes(bytes: Buffer, from: number, to: number): void {
    let at = from;
    if (this.carry !== '' && at < to) {
      const head = Math.min(to - at, 4 - this.carry.length);
      this.push(bytes.toString('latin1', at, at + head));
      at += head;
    }
    if (this.bad || at >= to) return;
    const whole = at + (to - at) - ((to - at) % 4);
    if (whole > at) {
      this.seen += whole - at;
      const span = bytes.subarray(at, whole);
      // Checked on the bytes: the string is then made only of what may be base64.
      if (span.includes(0x2d) || span.includes(0x5f)) this.bad = true;
      else this.decode(bytes.toString('latin1', at, whole));
    }
    if (whole < to) this.push(bytes.toString('latin1', whole, to));
  }

  /** Decode whole groups of four characters. */
  private decode(group: string): void {
    if (this.bad) return;
    // Nothing may follow padding.
    if (this.padded) {
      this.bad = true;
      return;
    }
    const whole = group.length;
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
    // Room for the whole groups (padding included), then only what was decoded is kept.
    this.reserve((whole / 4) * 3);
    const written = Buffer.from(this.out, this.length, (whole / 4) * 3).write(group, 'base64');
    if (written !== expected) {
      this.bad = true;
      return;
    }
    this.length += written;
    resizeBuffer(this.out, this.length);
  }

  /** The decoded bytes, or undefined when the text was empty or not valid base64. */
  end(): Uint8Array | undefined {
    if (this.bad || this.carry !== '' || this.seen === 0) return undefined;
    return new Uint8Array(this.out, 0, this.length);
  }

  private reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= maxLength(this.out)) {
      resizeBuffer(this.out, needed);
      return;
    }
    // More than the bound given: a larger buffer, and a copy (only a body that lied gets here).
    const grown = growableBuffer(Math.max(needed, maxLength(this.out) * 2));
    resizeBuffer(grown, needed);
    new Uint8Array(grown).set(new Uint8Array(this.out, 0, this.length));
    this.out = grown;
  }
}

/**
 * Memory for a decoded image that goes back to the system as soon as it is collected. V8
 * reserves a resizable ArrayBuffer with mmap and commits it as it grows, where a plain one
 * comes from malloc, whose freed megabyte blocks stay in the process: after 50 answers of 2048×
 * 1152, the process that received them kept ~90 MiB more with plain buffers (benchmark 5).
 */
function growableBuffer(maxBytes: number): ArrayBuffer {
  const Resizable = ArrayBuffer as unknown as new (
    length: number,
    options: { maxByteLength: number },
  ) => ArrayBuffer;
  return new Resizable(0, { maxByteLength: Math.max(maxBytes, 0) });
}

/**
 * Give the memory of bytes from `Base64Decoder` back to the system now rather than when they are
 * collected (the view is empty afterwards). Bytes of any other kind are left alone. Only for the
 * last holder of an image, once it is stored or given up.
 */
export function releaseBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { resizable?: boolean };
  if (buffer.resizable === true) resizeBuffer(buffer, 0);
}

function maxLength(buffer: ArrayBuffer): number {
  return (buffer as ArrayBuffer & { maxByteLength: number }).maxByteLength;
}

function resizeBuffer(buffer: ArrayBuffer, length: number): void {
  (buffer as ArrayBuffer & { resize(length: number): void }).resize(length);
}

/** Decode standard base64, or return undefined when the text is not valid base64. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const decoder = new Base64Decoder(Math.ceil(text.length / 4) * 3);
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
