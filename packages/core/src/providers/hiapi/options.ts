/** Options of the `hiapi` provider and where each setting comes from when not given. */
import type { RetryPolicy } from '../../http/retry.js';
import { resolveBaseUrl } from '../base-url.js';

export const HIAPI_DEFAULT_BASE_URL = 'https://api.hiapi.ai';

export interface HiapiProviderOptions {
  /** Default: `HIAPI_API_KEY`, read when a request is made. */
  apiKey?: string;
  /** Default: `HIAPI_BASE_URL`, else `https://api.hiapi.ai` (routes are `/v1/tasks…`). */
  baseURL?: string;
  /** Flat USD price per call, keyed `<model>` or `<model>@<resolution>`; overrides the table. */
  prices?: Record<string, number>;
  /** Where the defaults above are read from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * First wait before polling a task; later waits are a fifth of the task's age (at least a
   * quarter of this, at most 5 s). @default 1000
   */
  pollIntervalMs?: number;
  /** Longest wait for a task to finish before giving up (it can be resumed). @default 600_000 */
  maxPollMs?: number;
  /** Largest image download accepted. @default 64 MiB */
  maxDownloadBytes?: number;
  /** Backoff tuning; `maxRetries` comes from the run. */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

export interface HiapiSettings {
  apiKey: string | undefined;
  baseURL: string;
}

const nonEmpty = (value: string | undefined) =>
  value && value.trim() !== '' ? value.trim() : undefined;

/** Settings as of now: the environment is read on every call, never cached at import. */
export function resolveHiapiSettings(options: HiapiProviderOptions): HiapiSettings {
  const env = options.env ?? process.env;
  const baseURL = resolveBaseUrl({
    option: { name: 'hiapi.baseURL', value: options.baseURL },
    env: { name: 'HIAPI_BASE_URL', value: env.HIAPI_BASE_URL },
    fallback: HIAPI_DEFAULT_BASE_URL,
  });
  return { apiKey: nonEmpty(options.apiKey) ?? nonEmpty(env.HIAPI_API_KEY), baseURL };
}
