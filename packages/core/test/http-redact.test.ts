import { describe, expect, it } from 'vitest';
import { decodeBase64Strict } from '../src/http/media.js';
import { describeUrlSetting, redact, sanitizeCause } from '../src/http/redact.js';
import { sniffImageType } from '../src/image/sniff.js';

const KEY = 'sk-herogen-FAKE-KEY-0123456789abcdef';

describe('redact', () => {
  it('removes known secrets and key-shaped tokens', () => {
    const text = `Incorrect API key ${KEY}; header Authorization: Bearer abcdef123456; {"api_key":"zzzz9999"}`;
    const clean = redact(text, [KEY]);
    expect(clean).not.toContain(KEY);
    expect(clean).not.toContain('abcdef123456');
    expect(clean).not.toContain('zzzz9999');
    expect(clean).toContain('[redacted]');
    expect(clean).toContain('"api_key":"[redacted]');
  });

  it('catches sk- keys it was not told about and leaves plain text alone', () => {
    expect(redact('key sk-proj-AbCdEf12345678 leaked')).toBe('key [redacted] leaked');
    expect(redact('a plain message about skies')).toBe('a plain message about skies');
  });

  it('gives a clean cause without the original error object', () => {
    const original = Object.assign(new Error(`failed with ${KEY}`), {
      code: 'UND_ERR_SOCKET',
      headers: { authorization: `Bearer ${KEY}` },
    });
    const cause = sanitizeCause(original, [KEY]);
    expect(cause.message).not.toContain(KEY);
    expect((cause as Error & { code?: string }).code).toBe('UND_ERR_SOCKET');
    expect(JSON.stringify(Object.entries(cause))).not.toContain(KEY);
  });
});

describe('media checks', () => {
  it('decodes only strict base64', () => {
    expect(decodeBase64Strict(Buffer.from('hello!').toString('base64'))).toEqual(
      new Uint8Array(Buffer.from('hello!')),
    );
    expect(decodeBase64Strict('not base64 at all!')).toBeUndefined();
    expect(decodeBase64Strict('abc')).toBeUndefined();
    expect(decodeBase64Strict('')).toBeUndefined();
    expect(decodeBase64Strict('ab=c')).toBeUndefined();
    // Node's decoder would accept or skip these silently.
    expect(decodeBase64Strict('QQ==QUFB')).toBeUndefined();
    expect(decodeBase64Strict('ab-_')).toBeUndefined();
    expect(decodeBase64Strict('QU J')).toBeUndefined();
    expect(decodeBase64Strict('Q===')).toBeUndefined();
    expect(decodeBase64Strict('QQ==')).toEqual(new Uint8Array([0x41]));
  });

  it('sniffs image types from magic bytes', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    expect(sniffImageType(png)?.mediaType).toBe('image/png');
    expect(sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))?.mediaType).toBe('image/jpeg');
    const webp = new Uint8Array(Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ', 'latin1'));
    expect(sniffImageType(webp)?.mediaType).toBe('image/webp');
    expect(sniffImageType(new Uint8Array(Buffer.from('<svg xmlns="x"></svg>')))?.extension).toBe(
      'svg',
    );
    expect(sniffImageType(new Uint8Array(Buffer.from('{"error":"nope"}')))).toBeUndefined();
  });
});

describe('describeUrlSetting', () => {
  it('never echoes a value that is not a URL (often a key in the wrong variable)', () => {
    const text = describeUrlSetting('sk-test-HEROGEN-SECRET-0123456789');
    expect(text).not.toContain('SECRET');
    expect(text).toContain('looks like an API key');
    expect(describeUrlSetting('hk-some-other-secret')).not.toContain('secret-');
  });

  it('drops credentials, query and fragment from a URL', () => {
    const text = describeUrlSetting('ftp://user:p4ssw0rd@proxy.example/v1?api_key=abcdef1234#x');
    expect(text).toBe('"ftp://proxy.example/v1" is not an http(s) URL');
  });
});
