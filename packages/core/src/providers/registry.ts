import type { ResolvedConfig } from '../config/schema.js';
import type { HeroProvider } from '../types.js';
import { createHiapiProvider } from './hiapi.js';
import { createLocalProvider } from './local.js';
import { createOpenAIProvider } from './openai.js';

/** The providers of one project, and which one a hero without an override uses. */
export interface ProviderRegistry {
  /** Id of the provider heroes use when they name none. */
  readonly defaultId: string;
  /** Why that provider was chosen, for the first log line of a run. */
  readonly reason: string;
  ids(): string[];
  get(id: string): HeroProvider | undefined;
  /**
   * Providers to try, in order, for a hero (`override` = its `provider` field). The planner
   * takes the first whose image is already stored, else the last one, which can run here.
   */
  candidatesFor(override: string | undefined): HeroProvider[];
}

export function createProviderRegistry(
  config: ResolvedConfig,
  env: Record<string, string | undefined> = process.env,
): ProviderRegistry {
  const openai = createOpenAIProvider({ ...config.openai, env });
  const hiapi = createHiapiProvider({ ...config.hiapi, env });
  const local = createLocalProvider();
  const byId = new Map<string, HeroProvider>([
    [openai.id, openai],
    [hiapi.id, hiapi],
    [local.id, local],
  ]);
  if (typeof config.provider === 'object') byId.set(config.provider.id, config.provider);

  let defaults: HeroProvider[];
  let reason: string;
  if (typeof config.provider === 'object') {
    defaults = [config.provider];
    reason = 'custom provider from config';
  } else if (config.provider !== 'auto') {
    defaults = [byId.get(config.provider)!];
    reason = `provider "${config.provider}" from config`;
  } else if (openai.isConfigured()) {
    defaults = [openai];
    reason = 'OPENAI_API_KEY is set';
  } else if (hiapi.isConfigured()) {
    defaults = [hiapi];
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
  };
}
