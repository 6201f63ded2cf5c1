/**
 * One error class for everything herogen reports to a user. Codes are permanent: tools and
 * exit codes branch on them, so never rename one. Messages say what happened, why, and what
 * to do; `hint` carries the next step when it does not fit the sentence.
 */
import { printablePath } from './text/printable.js';

export type HerogenErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_LOAD'
  | 'CONTENT_INVALID'
  | 'REFERENCE_INVALID'
  | 'LOCK_INVALID'
  | 'LOCK_IO'
  | 'STORE_IO'
  | 'IMAGE_INVALID'
  | 'PATH_OUTSIDE_ROOT'
  /** A lock entry names a file that is not herogen's own original (hand-edited lock, symlink). */
  | 'ORIGINAL_UNTRUSTED'
  /** An original is still a Git LFS pointer: the checkout did not fetch it. */
  | 'ORIGINAL_NOT_PULLED'
  | 'REQUEST_INVALID'
  | 'BUDGET_EXCEEDED'
  | 'FROZEN'
  /** The image is being made by an open batch: a placeholder stands in until it is collected. */
  | 'BATCH_PENDING'
  | 'PROVIDER_AUTH'
  | 'PROVIDER_QUOTA'
  | 'PROVIDER_MODERATION'
  | 'PROVIDER_INVALID_REQUEST'
  | 'PROVIDER_NOT_FOUND'
  | 'PROVIDER_RATE_LIMIT'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_BAD_RESPONSE'
  | 'PROVIDER_TASK_FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'MISSING_DEPENDENCY'
  | 'BUSY'
  /** herogen's image process died twice on the same work: the system's memory limit, mostly. */
  | 'IMAGE_PROCESS_KILLED'
  | 'INTERNAL';

/** Where in the user's files a problem sits. `line` is 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  field?: string;
}

export interface HerogenErrorOptions {
  hint?: string;
  cause?: unknown;
  /** True when trying the same request again may succeed (network, 429 rate limit, 5xx). */
  retryable?: boolean;
  location?: SourceLocation;
  /** Provider request id (OpenAI `x-request-id`) or task id (hiapi), for support tickets. */
  requestId?: string;
  /** Delay the server asked for before a retry, in milliseconds. */
  retryAfterMs?: number;
  /** A POST that failed in a way where the provider may still have billed the call. */
  mayHaveBilled?: boolean;
  status?: number;
  /** An answer the provider billed (its cost is known) but that cannot be used or stored. */
  billed?: BilledAnswer;
}

/** What an unusable answer cost, as its provider reported or priced it. */
export interface BilledAnswer {
  costUsd: number | null;
  costConfidence: 'exact' | 'estimate' | 'unknown';
  requestId?: string;
}

const MARKER = Symbol.for('herogen.error');

export class HerogenError extends Error {
  readonly code: HerogenErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly location: SourceLocation | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly mayHaveBilled: boolean;
  readonly status: number | undefined;
  readonly billed: BilledAnswer | undefined;
  readonly [MARKER] = true;

  constructor(code: HerogenErrorCode, message: string, options: HerogenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HerogenError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.location = options.location;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
    this.mayHaveBilled = options.mayHaveBilled ?? false;
    this.status = options.status;
    this.billed = options.billed;
  }

  /** Works across duplicate installs of @herogen/core, unlike `instanceof`. */
  static is(value: unknown): value is HerogenError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/** Everything an error carries but its code and message, to restate it in other words. */
export function errorOptions(error: HerogenError): HerogenErrorOptions {
  return {
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    ...(error.cause !== undefined ? { cause: error.cause } : {}),
    retryable: error.retryable,
    ...(error.location ? { location: error.location } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    mayHaveBilled: error.mayHaveBilled,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.billed ? { billed: error.billed } : {}),
  };
}

/** `file:line field: message` — the one-line form used in logs and CLI output. */
export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return '';
  let text = printablePath(location.file);
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.line !== undefined && location.column !== undefined) text += `:${location.column}`;
  if (location.field) text += ` (${location.field})`;
  return text;
}

/** Render any thrown value for a human: location, message and hint; never a bare stack. */
export function formatError(error: unknown): string {
  if (HerogenError.is(error)) {
    const where = formatLocation(error.location);
    const head = where ? `${where}: ${error.message}` : error.message;
    return error.hint ? `${head}\n  hint: ${error.hint}` : head;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Many located problems → one error whose message lists each on its own line. */
export function combineErrors(errors: readonly HerogenError[], what: string): HerogenError {
  const [first] = errors;
  if (errors.length === 1 && first) return first;
  const lines = errors.map((error) => `  - ${formatError(error).replace(/\n/g, '\n    ')}`);
  return new HerogenError(
    first?.code ?? 'CONTENT_INVALID',
    `${errors.length} problems in ${what}:\n${lines.join('\n')}`,
    { ...(first?.location ? { location: first.location } : {}), cause: errors },
  );
}
