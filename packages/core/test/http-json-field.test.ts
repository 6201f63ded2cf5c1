import { describe, expect, it } from 'vitest';
import { Base64JsonField } from '../src/http/json-field.js';
import { Base64Decoder, decodeBase64Strict } from '../src/http/media.js';

/** Stream `text` into a field reader in pieces cut at `cuts` (byte offsets), then finish. */
function stream(text: string, cuts: number[] = []) {
  const bytes = Buffer.from(text, 'utf8');
  const field = new Base64JsonField('b64_json', decodeBase64Strict);
  field.start({ 'content-length': String(bytes.length) });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    field.write(new Uint8Array(bytes.subarray(at, cut)));
    at = cut;
  }
  return field.finish();
}

/** The first image's bytes as the provider reads them. */
function firstImage(result: ReturnType<typeof stream>): Uint8Array | undefined {
  const value = (result.json as { data: { b64_json: string }[] }).data[0]!.b64_json;
  return result.decode(value);
}

const image = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
const b64 = image.toString('base64');

describe('Base64JsonField (b64_json decoded while the answer arrives)', () => {
  it('gives what JSON.parse gives, the value decoded, at every cut of the body', () => {
    const body = JSON.stringify(
      { created: 1, data: [{ b64_json: b64, revised_prompt: 'é a "cat"' }], usage: { a: 1 } },
      null,
      2,
    );
    const every = [1, 2, 3, 5, 7, 64, 1000];
    for (const step of every) {
      const cuts = [];
      for (let at = step; at < body.length; at += step) cuts.push(at);
      const result = stream(body, cuts);
      expect(firstImage(result), `cut every ${step}`).toEqual(new Uint8Array(image));
      const json = result.json as { data: { revised_prompt: string }[]; usage: unknown };
      expect(json.data[0]!.revised_prompt).toBe('é a "cat"');
      expect(json.usage).toEqual({ a: 1 });
    }
  });

  it('decodes escapes inside the value, even cut in the middle of one', () => {
    const escaped = b64.replaceAll('/', '\\/').replace('A', '\\u0041');
    expect(escaped).toContain('\\/');
    const body = `{"data":[{"b64_json":"${escaped}"}]}`;
    const slash = body.indexOf('\\/');
    const unicode = body.indexOf('\\u0041');
    for (const cuts of [[slash + 1], [unicode + 1], [unicode + 2], [unicode + 4], [unicode + 5]]) {
      expect(firstImage(stream(body, cuts)), `cut at ${cuts}`).toEqual(new Uint8Array(image));
    }
  });

  it('takes the last of a duplicate key, as JSON.parse does', () => {
    const body = '{"data":[{"b64_json":"YQ==","b64_json":"Yg=="},{"b64_json":"Yw=="}]}';
    expect(firstImage(stream(body, [25]))).toEqual(new Uint8Array([0x62]));
  });

  it('leaves a key spelled with an escape as an ordinary string, decoded afterwards', () => {
    const result = stream('{"data":[{"b64\\u005fjson":"YQ=="}]}');
    expect((result.json as { data: { b64_json: string }[] }).data[0]!.b64_json).toBe('YQ==');
    expect(firstImage(result)).toEqual(new Uint8Array([0x61]));
  });

  it('does not take the key inside a string or as a value', () => {
    const result = stream('{"revised_prompt":"say \\"b64_json\\": \\"x\\"","b64_json":"YQ=="}');
    expect((result.json as { revised_prompt: string }).revised_prompt).toBe('say "b64_json": "x"');
    const value = stream('{"data":[{"kind":"b64_json","b64_json":null}]}');
    expect(value.json).toEqual({ data: [{ kind: 'b64_json', b64_json: null }] });
  });

  it('reports invalid base64 as undefined bytes, and invalid JSON as undefined json', () => {
    for (const bad of ['YQ=', 'ab-_', 'QU J', 'QQ==QUFB', '', 'YQ\\n==', 'é']) {
      const result = stream(`{"data":[{"b64_json":"${bad}"}]}`);
      expect(result.json, bad).toBeDefined();
      expect(firstImage(result), bad).toBeUndefined();
    }
    for (const text of [
      '{"data":[{"b64_json":"YQ==', // no closing quote
      '{"data":[{"b64_json":"YQ==" ', // the rest is not JSON
      '{"data":[{"b64_json":"Y\u0001Q=="}]}', // a raw control character
      '{"data":[{"b64_json":"YQ\\x=="}]}', // not an escape
      '{"data":[{"b64_json":"YQ\\u00zz=="}]}', // not a unicode escape
    ]) {
      expect(stream(text).json, text).toBeUndefined();
    }
  });
});

describe('Base64Decoder', () => {
  it('decodes pieces of any length into the same bytes as one decode', () => {
    for (const size of [1, 2, 3, 4, 100, 1000]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31) % 256));
      const text = bytes.toString('base64');
      for (const step of [1, 3, 4, 5, 64]) {
        const decoder = new Base64Decoder(step === 5 ? 0 : text.length);
        for (let at = 0; at < text.length; at += step) decoder.push(text.slice(at, at + step));
        expect(decoder.end(), `${size} bytes by ${step}`).toEqual(new Uint8Array(bytes));
      }
    }
  });

  it('decodes bytes pushed in pieces, carrying incomplete groups across them', () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
    const text = Buffer.from(bytes.toString('base64'), 'latin1');
    for (const step of [1, 2, 3, 5, 7, 64, 4096]) {
      const decoder = new Base64Decoder(1000);
      for (let at = 0; at < text.length; at += step) {
        decoder.pushBytes(text, at, Math.min(at + step, text.length));
      }
      expect(decoder.end(), `by ${step}`).toEqual(new Uint8Array(bytes));
    }
    for (const bad of ['ab-_', 'QU J', 'QQ==QUFB', 'Q===']) {
      const decoder = new Base64Decoder();
      decoder.pushBytes(Buffer.from(bad), 0, bad.length);
      expect(decoder.end(), bad).toBeUndefined();
    }
  });

  it('refuses padding followed by more text, across pieces', () => {
    const decoder = new Base64Decoder();
    decoder.push('QQ==');
    decoder.push('QUFB');
    expect(decoder.end()).toBeUndefined();
  });
});
