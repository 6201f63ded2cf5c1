import { describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { createHiapiProvider } from '../src/providers/hiapi.js';
import { createOpenAIProvider } from '../src/providers/openai.js';

function configError(create: () => unknown): HerogenError {
  try {
    create();
  } catch (error) {
    if (HerogenError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('base URLs are checked when a provider is created', () => {
  it('names the environment variable a malformed URL came from', () => {
    const error = configError(() =>
      createOpenAIProvider({ env: { OPENAI_BASE_URL: 'http://[::1:x]/v1' } }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^OPENAI_BASE_URL is not a valid URL/);
    const hiapi = configError(() => createHiapiProvider({ env: { HIAPI_BASE_URL: 'ftp://x/' } }));
    expect(hiapi.message).toMatch(/^HIAPI_BASE_URL "ftp:\/\/x\/" is not an http\(s\) URL/);
  });

  it('names the option when the value came from the config, and never echoes a key', () => {
    const error = configError(() =>
      createOpenAIProvider({ baseURL: 'sk-test-SECRET-value-123456', env: {} }),
    );
    expect(error.message).toMatch(
      /^`openai.baseURL` is not a valid URL \(it looks like an API key\)/,
    );
    expect(error.message).not.toContain('SECRET');
  });

  it('accepts http(s) URLs, IPv6 included, and drops trailing slashes', () => {
    expect(() =>
      createOpenAIProvider({ env: { OPENAI_BASE_URL: 'http://[::1]:4010/v1/' } }),
    ).not.toThrow();
    expect(() => createHiapiProvider({ env: {} })).not.toThrow();
  });
});
