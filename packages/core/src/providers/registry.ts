import type { ResolvedConfig } from '../config/schema.js';
import { withPriceOverrides } from '../pricing/overrides.js';
import type { HeroProvider, ProviderRegistry } from '../types.js';
import { guardProvider } from './answer-guard.js';
import { createHiapiProvider } from './hiapi.js';
import { createLocalProvider } from './local.js';
import { createOpenAIProvider } from './openai.js';

export type { ProviderRegistry };

export function createProviderRegistry(
  config: ResolvedConfig,
  env: Record<string, string | undefined> = process.env,
): ProviderRegistry {
  // Config `pricing` wraps every provider, so plans, budgets and flat costs all see it; the
  // answer guard cleans every string a provider hands back before it is stored or printed.
  const secrets = () => knownSecrets(config, env);
  const priced = (provider: HeroProvider) =>
    guardProvider(withPriceOverrides(provider, config.pricing), secrets);
  const openai = priced(createOpenAIProvider({ ...config.openai, env }));
  const hiapi = priced(createHiapiProvider({ ...config.hiapi, env }));
  const local = priced(createLocalProvider());
  const custom = typeof config.provider === 'object' ? priced(config.provider) : undefined;
  const byId = new Map<string, HeroProvider>([
    [openai.id, openai],
    [hiapi.id, hiapi],
    [local.id, local],
  ]);
  if (custom) byId.set(custom.id, custom);

  let defaults: HeroProvider[];
  let alternatives: HeroProvider[] = [];
  let reason: string;
  if (custom) {
    defaults = [custom];
    reason = 'custom provider from config';
  } else if (typeof config.provider === 'string' && config.provider !== 'auto') {
    defaults = [byId.get(config.provider)!];
    reason = `provider "${config.provider}" from config`;
  } else if (openai.isConfigured()) {
    defaults = [openai];
    alternatives = [hiapi];
    reason = 'OPENAI_API_KEY is set';
  } else if (hiapi.isConfigured()) {
    defaults = [hiapi];
    alternatives = [openai];
    reason = 'HIAPI_API_KEY is set';
  } else {
    // No key: images already paid for and committed are still used; the rest get offline art.
    defaults = [openai, hiapi, local];
    reason = 'no API key set (OPENAI_API_KEY or HIAPI_API_KEY): offline placeholder art';
  }
  const defaultProvider = defaults.at(-1)!;

  return {
    defaultId: defaultProvider.id,
    reason,
    ids: () => [...byId.keys()],
    get: (id) => byId.get(id),
    candidatesFor(override) {
      if (override === undefined) return defaults;
      const provider = byId.get(override);
      return provider ? [provider] : [];
    },
    storedAlternatives: () => alternatives,
  };
}

/** Values no answer may carry into a file or a line of output: keys, and credentials in URLs. */
function knownSecrets(
  config: ResolvedConfig,
  env: Record<string, string | undefined>,
): (string | undefined)[] {
  const secrets = [
    config.openai?.apiKey,
    env.OPENAI_API_KEY,
    config.hiapi?.apiKey,
    env.HIAPI_API_KEY,
  ];
  for (const value of [
    config.openai?.baseURL,
    env.OPENAI_BASE_URL,
    config.hiapi?.baseURL,
    env.HIAPI_BASE_URL,
  ]) {
    if (!value || !URL.canParse(value)) continue;
    const { password } = new URL(value);
    // As written in the URL and decoded, the two forms an echo may take.
    secrets.push(password, decodeOrUndefined(password));
  }
  return secrets;
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
