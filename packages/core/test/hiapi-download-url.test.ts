import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../src/http/public-address.js';
import { checkDownloadUrl, describeDownloadUrl } from '../src/providers/hiapi/download.js';

const https = new URL('https://api.hiapi.ai');
const local = new URL('http://127.0.0.1:4010');

describe('checkDownloadUrl', () => {
  it('accepts https anywhere (the address is checked when connecting)', () => {
    expect(checkDownloadUrl(new URL('https://cdn.hiapi.ai/f/0.png'), https)).toBeUndefined();
    expect(checkDownloadUrl(new URL('https://cdn.example.net/f/0.png'), local)).toBeUndefined();
  });

  it("accepts plain http only from the base URL's own origin", () => {
    expect(checkDownloadUrl(new URL('http://127.0.0.1:4010/files/t/0.png'), local)).toBeUndefined();
    expect(checkDownloadUrl(new URL('http://127.0.0.1:4011/files/t/0.png'), local)).toMatch(
      /plain http on another host than the base URL \(http:\/\/127\.0\.0\.1:4010\)/,
    );
    expect(checkDownloadUrl(new URL('http://localhost:4010/f'), local)).toMatch(/another host/);
  });

  it('refuses a downgrade from an https base, and other schemes', () => {
    expect(checkDownloadUrl(new URL('http://api.hiapi.ai/f/0.png'), https)).toMatch(/downgrade/);
    expect(checkDownloadUrl(new URL('file:///etc/passwd'), https)).toMatch(/not file:/);
    expect(checkDownloadUrl(new URL('ftp://cdn.hiapi.ai/f'), local)).toMatch(/only https/);
  });
});

describe('describeDownloadUrl', () => {
  it('drops credentials and the query, and redacts secrets', () => {
    const url = new URL('https://user:pw@cdn.example.net/f/sk-abcdefgh12345678.png?sig=secret');
    expect(describeDownloadUrl(url, [])).toBe('https://cdn.example.net/f/[redacted].png?…');
  });
});

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.20.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['[::1]', false],
    ['::', false],
    ['fd12::1', false],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['localhost', false],
    ['93.184.215.14', true],
    ['2606:4700::1111', true],
    ['::ffff:93.184.215.14', true],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});
