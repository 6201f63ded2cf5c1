/**
 * A provider's base URL, from its config option or environment variable, checked before any
 * call: a value that is not an http(s) URL is a configuration error named after where it came
 * from, not a failed (and possibly billed, retried) request.
 */
import { HerogenError } from '../errors.js';
import { describeUrlSetting } from '../http/redact.js';

export interface BaseUrlSources {
  /** `openai.baseURL`: the config option and its value. */
  option: { name: string; value: string | undefined };
  /** `OPENAI_BASE_URL`: the environment variable and its value. */
  env: { name: string; value: string | undefined };
  fallback: string;
}

const given = (value: string | undefined) =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

/** The base URL without trailing slashes; throws `CONFIG_INVALID` naming the setting. */
export function resolveBaseUrl({ option, env, fallback }: BaseUrlSources): string {
  const fromOption = given(option.value);
  const fromEnv = fromOption === undefined ? given(env.value) : undefined;
  const value = fromOption ?? fromEnv ?? fallback;
  if (!isHttpUrl(value)) {
    const source = fromOption !== undefined ? `\`${option.name}\`` : env.name;
    throw new HerogenError(
      'CONFIG_INVALID',
      `${source} ${describeUrlSetting(value)}; set it to a URL such as ${fallback}. Nothing was sent.`,
    );
  }
  return value.replace(/\/+$/, '');
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
