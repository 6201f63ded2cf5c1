/**
 * Read a JSON answer that carries a large string (an image as base64) while it arrives, without
 * ever holding that string: every value of the key is base64-decoded piece by piece as its bytes
 * come in, and only the rest of the answer (a few hundred bytes) is kept, with each such value
 * replaced by a short marker, and parsed at the end. An image answer of 1.3 MB then costs the
 * decoded image and nothing else: no body buffer, no megabyte string.
 *
 * The result is what `JSON.parse` of the whole body would give, with the marker where a value
 * was: duplicate keys resolve the same way (the last one), a key spelled with escapes
 * (`"b64\u005fjson"`) is not recognised and its value stays an ordinary string, and JSON that
 * is not valid anywhere (including inside the value: a raw control character, a bad escape, no
 * closing quote) makes the whole answer invalid.
 */
import type { HttpBodySink } from '../types.js';
import { DEFAULT_MAX_JSON_BYTES } from './client.js';
import { Base64Decoder } from './media.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/** The marker left in the parsed rest for the `index`-th decoded value. */
const MARKER = '\u0000herogen-base64:';

const SIMPLE_ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

export interface StreamedJson {
  /** The answer parsed, each value of the key replaced by a marker; undefined if not JSON. */
  json: unknown;
  /**
   * The bytes of a value of the key: a marker gives what was decoded while streaming, any other
   * string is decoded now (a key the stream did not recognise). Undefined when not valid base64.
   */
  decode(value: string): Uint8Array | undefined;
}

type Mode =
  /** Between tokens. */
  | 'out'
  /** Inside a string that is kept in the rest. */
  | 'string'
  /** Inside a value of the key, being decoded. */
  | 'value';

/**
 * Receives a body chunk by chunk (`HttpRequest.sink`), then `finish()` parses what was kept.
 * `decodeFallback` decodes a value the stream did not recognise (a key written with escapes).
 */
export class Base64JsonField implements HttpBodySink {
  private readonly key: Buffer;
  private readonly rest: Buffer[] = [];
  private readonly values: (Uint8Array | undefined)[] = [];
  private mode: Mode = 'out';
  /** Inside a string: the bytes of the escape read so far (`\`, `\u00`…), or '' for none. */
  private escape = '';
  /** The string being read could still equal the key: its bytes so far, else undefined. */
  private candidate: number[] | undefined;
  /** Progress towards a value of the key: the key string, then its colon. */
  private keyState: 'none' | 'key' | 'colon' = 'none';
  private decoder: Base64Decoder | undefined;
  private malformed = false;
  /** The most a value can decode to: three quarters of the body's declared length or cap. */
  private maxBytes: number;

  constructor(
    key: string,
    private readonly decodeFallback: (text: string) => Uint8Array | undefined,
    maxBodyBytes = DEFAULT_MAX_JSON_BYTES,
  ) {
    this.key = Buffer.from(key, 'latin1');
    this.maxBytes = Math.ceil(maxBodyBytes / 4) * 3;
  }

  start(headers: Record<string, string>): void {
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared >= 0) {
      this.maxBytes = Math.min(this.maxBytes, Math.ceil(declared / 4) * 3);
    }
  }

  write(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < bytes.length) {
      if (this.mode === 'value') i = this.readValue(bytes, i);
      else if (this.mode === 'string') i = this.readString(bytes, i);
      else i = this.readOut(bytes, i);
    }
  }

  /** The parsed rest, once the whole body was written. */
  finish(): StreamedJson {
    let json: unknown;
    if (!this.malformed && this.mode === 'out') {
      try {
        json = JSON.parse(Buffer.concat(this.rest).toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const values = this.values;
    return {
      json,
      decode: (value) => {
        if (!value.startsWith(MARKER)) return this.decodeFallback(value);
        const index = Number(value.slice(MARKER.length));
        return Number.isInteger(index) ? values[index] : undefined;
      },
    };
  }

  /** Between tokens: copied to the rest, watching for the key, its colon and its value. */
  private readOut(bytes: Buffer, from: number): number {
    let i = from;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        if (this.keyState === 'colon') {
          this.keep(bytes, from, i);
          this.beginValue();
          return i + 1;
        }
        this.keyState = 'none';
        this.candidate = [];
        this.mode = 'string';
        this.keep(bytes, from, i + 1);
        return i + 1;
      }
      if (byte === COLON && this.keyState === 'key') this.keyState = 'colon';
      else if (!isSpace(byte)) this.keyState = 'none';
      i += 1;
    }
    this.keep(bytes, from, i);
    return i;
  }

  /** Inside a string that stays in the rest: copied, and compared with the key. */
  private readString(bytes: Buffer, from: number): number {
    let i = from;
    while (i < bytes.length) {
      const byte = bytes[i]!;
      if (this.escape !== '') {
        // The escaped character is kept as written; a key spelled with an escape is not
        // recognised (its value then stays an ordinary string of the rest).
        this.escape = '';
        this.candidate = undefined;
        i += 1;
        continue;
      }
      if (byte === BACKSLASH) {
        this.escape = '\\';
        i += 1;
        continue;
      }
      if (byte === QUOTE) {
        const candidate = this.candidate;
        this.keyState =
          candidate !== undefined &&
          candidate.length === this.key.length &&
          this.key.equals(Buffer.from(candidate))
            ? 'key'
            : 'none';
        this.candidate = undefined;
        this.mode = 'out';
        this.keep(bytes, from, i + 1);
        return i + 1;
      }
      if (this.candidate !== undefined) {
        if (this.candidate.length < this.key.length) this.candidate.push(byte);
        else this.candidate = undefined;
      }
      i += 1;
    }
    this.keep(bytes, from, i);
    return i;
  }

  private beginValue(): void {
    this.keyState = 'none';
    this.mode = 'value';
    this.escape = '';
    this.decoder = new Base64Decoder(this.maxBytes);
  }

  /** Inside a value of the key: decoded, not kept. */
  private readValue(bytes: Buffer, from: number): number {
    const decoder = this.decoder!;
    let i = from;
    if (this.escape !== '') {
      while (i < bytes.length && this.escape !== '') i = this.readEscape(bytes, i, decoder);
      return i;
    }
    const quote = bytes.indexOf(QUOTE, i);
    const stop = quote === -1 ? bytes.length : quote;
    const backslash = bytes.indexOf(BACKSLASH, i);
    const end = backslash !== -1 && backslash < stop ? backslash : stop;
    if (end > i) this.decodePiece(bytes, i, end, decoder);
    if (end === backslash && backslash < stop) {
      this.escape = '\\';
      return end + 1;
    }
    if (quote === -1) return bytes.length;
    this.values.push(decoder.end());
    this.decoder = undefined;
    this.mode = 'out';
    this.rest.push(Buffer.from(JSON.stringify(`${MARKER}${this.values.length - 1}`)));
    return quote + 1;
  }

  private decodePiece(bytes: Buffer, from: number, to: number, decoder: Base64Decoder): void {
    decoder.pushBytes(bytes, from, to);
    // A raw control character is invalid JSON, not only invalid base64: the answer is malformed.
    if (decoder.invalid && !this.malformed) {
      for (let i = from; i < to; i += 1) if (bytes[i]! < 0x20) this.malformed = true;
    }
  }

  /** One byte of an escape inside the value: the character it stands for goes to the decoder. */
  private readEscape(bytes: Buffer, i: number, decoder: Base64Decoder): number {
    const byte = bytes[i]!;
    if (this.escape === '\\') {
      if (byte === 0x75) {
        this.escape = '\\u';
        return i + 1;
      }
      const char = SIMPLE_ESCAPES[byte];
      if (char === undefined) this.malformed = true;
      else decoder.push(char);
      this.escape = '';
      return i + 1;
    }
    this.escape += String.fromCharCode(byte);
    if (this.escape.length < 6) return i + 1;
    const hex = this.escape.slice(2);
    this.escape = '';
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.malformed = true;
    else decoder.push(String.fromCharCode(Number.parseInt(hex, 16)));
    return i + 1;
  }

  private keep(bytes: Buffer, from: number, to: number): void {
    // Copied: a view would keep the whole chunk (64 KiB) alive for a few bytes.
    if (to > from) this.rest.push(Buffer.from(bytes.subarray(from, to)));
  }
}
