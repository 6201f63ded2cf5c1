/**
 * The checks a built-in provider makes before any call: the request passes the provider's own
 * validation, and a key is set. When either fails, nothing is sent and nothing is paid.
 */
import { HerogenError } from '../errors.js';
import type { RequestIssue } from '../types.js';

/**
 * Throws `REQUEST_INVALID` listing every issue. `subject` starts the message (`openai
 * gpt-image-2`), `notDone` says what did not happen (`the request was not sent`).
 */
export function assertValidRequest(
  issues: readonly RequestIssue[],
  subject: string,
  notDone: string,
): void {
  if (issues.length === 0) return;
  throw new HerogenError(
    'REQUEST_INVALID',
    `${subject}: ${notDone} because ${issues
      .map((issue) => `${issue.field}: ${issue.message}`)
      .join('; ')}.`,
  );
}

/** The API key, or `PROVIDER_AUTH` naming the environment variable and the config field. */
export function requireApiKey(
  apiKey: string | undefined,
  provider: 'openai' | 'hiapi',
  variable: string,
): string {
  if (apiKey) return apiKey;
  throw new HerogenError(
    'PROVIDER_AUTH',
    `${provider}: no API key; set ${variable} (or \`${provider}.apiKey\` in the herogen config).`,
  );
}
