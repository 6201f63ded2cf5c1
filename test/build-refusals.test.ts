/**
 * Run-wide site configuration errors (a rejected key, a missing permission, an unknown model)
 * stop `astro build` and `vite build` with the fix in the message, unless `onError:
 * 'placeholder'`; one refused prompt and an empty balance stay placeholders and warnings.
 * Real builds of fixture sites against the mock API over HTTP.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, faults, type MockApi } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, copySite, readText, removeSite } from './fixtures/astro-support/harness.js';
import { buildFixture, copyFixture, removeDir } from './fixtures/vite-support/harness.js';

const RIGHT_KEY = 'sk-test-refusals-right-7f3a';
const WRONG_KEY = 'sk-test-refusals-WRONG-91c2';

let mock: MockApi;
beforeAll(async () => {
  // The mock accepts only RIGHT_KEY, as the real API accepts only a valid key.
  mock = await createMockApi({ apiKey: RIGHT_KEY });
});
afterAll(() => mock?.close());
afterEach(() => {
  mock.reset();
  mock.setFaults([]);
});

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Every lock entry of a built site, placeholders marked. */
async function lockEntries(root: string) {
  const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
  return Object.values(lock.images) as { placeholder?: boolean; placeholderReason?: string }[];
}

describe('astro build: site configuration errors fail the build', () => {
  let root: string;
  beforeAll(async () => {
    root = await copySite('astro-basic');
  });
  afterAll(() => removeSite(root));

  it('a rejected key (401) fails the build with the fix, never printing the key; onError: placeholder builds', async () => {
    const env = { OPENAI_API_KEY: WRONG_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const failed = await buildSite(root, { herogen: { env } });
    expect(failed.error).toBeInstanceOf(Error);
    const message = messageOf(failed.error);
    expect(message).toContain("the API refused this site's configuration");
    expect(message).toContain('2 images of 2 failed the same way');
    expect(message).toContain('HTTP 401');
    expect(message).toContain('Check OPENAI_API_KEY');
    // Astro prints the hint under the message.
    expect((failed.error as { hint?: string }).hint).toContain("set `onError: 'placeholder'`");
    expect(`${message}\n${failed.output}`).not.toContain(WRONG_KEY);
    // The two calls were made and refused; nothing paid, no page built.
    expect(mock.requests.filter((r) => r.route === 'openai.generations')).toHaveLength(2);
    expect(mock.paidCalls()).toBe(0);

    const lenient = await buildSite(root, { herogen: { env, onError: 'placeholder' } });
    expect(lenient.error).toBeUndefined();
    expect(lenient.output).toContain(
      "2 images are offline placeholders because the API refused the site's configuration (onError: 'placeholder')",
    );
    expect(await readText(path.join(root, 'dist/blog/alpha/index.html'))).toContain(
      'data-placeholder="true"',
    );
  });

  it('a missing permission (403) fails the build and says what to do about it', async () => {
    mock.setFaults([{ route: 'openai.generations', fault: faults.forbidden() }]);
    const env = { OPENAI_API_KEY: RIGHT_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const failed = await buildSite(root, { herogen: { env } });
    expect(failed.error).toBeInstanceOf(Error);
    const message = messageOf(failed.error);
    expect(message).toContain('HTTP 403');
    expect(message).toContain('organization may need verification');
    expect(mock.paidCalls()).toBe(0);
  });

  it('an unknown model fails the build naming it and the models to use', async () => {
    const env = { OPENAI_API_KEY: RIGHT_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const failed = await buildSite(root, { herogen: { env, model: 'gpt-imgae-2' } });
    expect(failed.error).toBeInstanceOf(Error);
    const message = messageOf(failed.error);
    expect(message).toContain('gpt-imgae-2');
    expect(message).toContain('HTTP 404');
    expect(message).toContain('set `model` to gpt-image-2 or later');
    expect(mock.paidCalls()).toBe(0);
  });

  it('hiapi: a model it does not list (answered 400) fails the build too', async () => {
    const env = { HIAPI_API_KEY: RIGHT_KEY, HIAPI_BASE_URL: mock.hiapiBaseURL };
    const failed = await buildSite(root, {
      herogen: { env, provider: 'hiapi', model: 'gpt-image-3' },
    });
    expect(failed.error).toBeInstanceOf(Error);
    const message = messageOf(failed.error);
    expect(message).toContain("the API refused this site's configuration");
    expect(message).toContain('gpt-image-3');
    expect(message).toContain('HTTP 400');
    expect(mock.paidCalls()).toBe(0);
  });

  it('one refused prompt stays a placeholder and a warning; the rest of the site is built', async () => {
    mock.setFaults([
      { route: 'openai.generations', prompt: 'red kite', fault: faults.moderationBlocked() },
    ]);
    const env = { OPENAI_API_KEY: RIGHT_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const built = await buildSite(root, { herogen: { env } });
    expect(built.error).toBeUndefined();
    expect(built.output).toMatch(/\[WARN\][^\n]*safety grounds[^\n]*alpha\.md/);
    expect(built.output).toContain('1 generated');
    expect(built.output).toContain('1 failed');
    expect(await readText(path.join(root, 'dist/blog/alpha/index.html'))).toContain(
      'data-placeholder="true"',
    );
    expect(await readText(path.join(root, 'dist/blog/beta/index.html'))).toContain(
      'data-placeholder="false"',
    );
  });

  it('an empty balance (429 insufficient_quota) builds with placeholders and says it is billing, not a mistake', async () => {
    mock.setFaults([{ route: 'openai.generations', fault: faults.insufficientQuota() }]);
    const env = { OPENAI_API_KEY: RIGHT_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const built = await buildSite(root, { herogen: { env } });
    expect(built.error).toBeUndefined();
    expect(built.output).toMatch(
      /\[WARN\][^\n]*1 image is an offline placeholder: openai reports no credit left\. That is the account's billing state \(an outage for this site\), not a configuration mistake/,
    );
    // Not retried: an empty balance does not fill up by waiting.
    expect(mock.requests.filter((r) => r.route === 'openai.generations')).toHaveLength(1);
    const quota = (await lockEntries(root)).filter((entry) =>
      entry.placeholderReason?.startsWith('PROVIDER_QUOTA'),
    );
    expect(quota).toHaveLength(1);
  });
});

describe('vite build: the same judgement as astro build', () => {
  let root: string;
  beforeAll(async () => {
    root = await copyFixture('vite-basic');
  });
  afterAll(() => removeDir(root));

  const openai = (apiKey: string, extra: Record<string, unknown> = {}) => ({
    provider: 'openai' as const,
    openai: { apiKey, baseURL: mock.openaiBaseURL },
    ...extra,
  });

  it('a rejected key fails vite build with the fix; onError: placeholder builds', async () => {
    const error = await buildFixture(root, openai(WRONG_KEY)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    const message = messageOf(error);
    expect(message).toContain("the API refused this site's configuration");
    expect(message).toContain('HTTP 401');
    expect(message).toContain('Check OPENAI_API_KEY');
    expect(message).not.toContain(WRONG_KEY);
    expect(mock.paidCalls()).toBe(0);

    const built = await buildFixture(root, openai(WRONG_KEY, { onError: 'placeholder' }));
    expect(built.hero.status).toBe('placeholder');
    expect(built.lines.join('\n')).toContain(
      "because the API refused the site's configuration (onError: 'placeholder')",
    );
  });

  it('an empty balance builds with placeholders and the billing warning', async () => {
    mock.setFaults([{ route: 'openai.generations', fault: faults.insufficientQuota() }]);
    const built = await buildFixture(root, openai(RIGHT_KEY));
    const log = built.lines.join('\n');
    expect(log).toContain('openai reports no credit left');
    expect(log).toContain('not a configuration mistake');
    expect(built.hero.status).toBe('placeholder');
    expect((await lockEntries(root)).every((entry) => entry.placeholder)).toBe(true);
  });
});
