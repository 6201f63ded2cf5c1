/** Options of the `openai` provider and where each setting comes from when not given. */
import type { RetryPolicy } from '../../http/retry.js';
import { resolveBaseUrl } from '../base-url.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIProviderOptions {
  /** Default: `OPENAI_API_KEY`, read when a request is made. */
  apiKey?: string;
  /** Default: `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Sent as `OpenAI-Organization`. Default: `OPENAI_ORG_ID` or `OPENAI_ORGANIZATION`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. Default: `OPENAI_PROJECT_ID`. */
  project?: string;
  /** Where the defaults above are read from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** `low` loosens OpenAI's filter (not a bypass). Not part of the cache key. Default: unset. */
  moderation?: 'auto' | 'low';
  /** Backoff tuning; `maxRetries` comes from the run. */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** Largest JSON response accepted (base64 images). Default 64 MiB. */
  maxResponseBytes?: number;
}

export interface OpenAISettings {
  apiKey: string | undefined;
  baseURL: string;
  organization: string | undefined;
  project: string | undefined;
}

const nonEmpty = (value: string | undefined) =>
  value && value.trim() !== '' ? value.trim() : undefined;

/** Settings as of now: the environment is read on every call, never cached at import. */
export function resolveOpenAISettings(options: OpenAIProviderOptions): OpenAISettings {
  const env = options.env ?? process.env;
  const baseURL = resolveBaseUrl({
    option: { name: 'openai.baseURL', value: options.baseURL },
    env: { name: 'OPENAI_BASE_URL', value: env.OPENAI_BASE_URL },
    fallback: OPENAI_DEFAULT_BASE_URL,
  });
  return {
    apiKey: nonEmpty(options.apiKey) ?? nonEmpty(env.OPENAI_API_KEY),
    baseURL,
    organization:
      nonEmpty(options.organization) ??
      nonEmpty(env.OPENAI_ORG_ID) ??
      nonEmpty(env.OPENAI_ORGANIZATION),
    project: nonEmpty(options.project) ?? nonEmpty(env.OPENAI_PROJECT_ID),
  };
}

/** The headers of every OpenAI call: the key, and the organization and project when set. */
export function openAIHeaders(settings: OpenAISettings, apiKey: string): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${apiKey}`,
    'user-agent': 'herogen',
  };
  if (settings.organization) headers['openai-organization'] = settings.organization;
  if (settings.project) headers['openai-project'] = settings.project;
  return headers;
}
