/**
 * Secret scrubbing for anything that may reach a log line, an error message or a thrown cause.
 * Known secrets are replaced verbatim; bearer tokens and key-shaped strings are caught even when
 * the caller did not know the value (a proxy echoing a header, an SDK error).
 */

import { stripControls } from '../text/printable.js';

const REDACTED = '[redacted]';

/** Key-shaped tokens: OpenAI `sk-…`, generic `Bearer …`, `api_key=…` style query or JSON fields. */
const PATTERNS: RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /((?:api[_-]?key|apikey|access[_-]?token|secret)["']?\s*[:=]\s*["']?)[^\s"'&,}]{4,}/gi,
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replace every occurrence of each secret (and key-shaped tokens) in `text`. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  // Longest first, so a secret containing another is removed whole.
  const known = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of known) {
    out = out.replace(new RegExp(escapeRegExp(secret), 'g'), REDACTED);
  }
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (match, prefix?: string) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return out;
}

/**
 * The one cleaning for text that came from outside herogen (a response header or body, an API
 * error, a revised prompt, a task id, a provider's log line), applied before it is stored,
 * printed or rendered: terminal controls stripped, then secrets redacted.
 */
export function cleanExternalText(
  text: string,
  secrets: readonly (string | undefined)[] = [],
): string {
  return redact(stripControls(text), secrets);
}

/**
 * A plain, header-free stand-in for a low-level error (undici errors can carry request options),
 * safe to attach as a `cause`.
 */
export function sanitizeCause(error: unknown, secrets: readonly (string | undefined)[]): Error {
  if (error instanceof Error) {
    const clean = new Error(redact(error.message, secrets));
    clean.name = error.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') (clean as Error & { code?: string }).code = code;
    return clean;
  }
  return new Error(redact(String(error), secrets));
}

/**
 * A user-given URL setting, safe to print in an error: credentials, query and fragment are
 * dropped, and a value that is not a URL at all (often a key pasted into the wrong variable)
 * is not echoed.
 */
export function describeUrlSetting(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    const key = /^(sk-|Bearer\s)/i.test(value.trim()) ? ' (it looks like an API key)' : '';
    return `is not a valid URL${key} (the value is not shown, in case it is a secret)`;
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return `"${redact(url.toString())}" is not an http(s) URL`;
}
