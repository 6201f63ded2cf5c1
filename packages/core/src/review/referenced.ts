import type { ResolvedConfig } from '../config/schema.js';
import { computeKey } from '../key/cache-key.js';
import { buildIntent } from '../plan/build-intent.js';
import type { HeroProvider, Job, ProviderRegistry } from '../types.js';

/**
 * Every key some machine could use for the current content: the planned keys, plus each hero's
 * key under every provider and model it could run with elsewhere (a machine with another API
 * key, or none). Prune keeps all of them, so cleaning up on one machine never deletes an image
 * another machine's build would use. Pure.
 */
export function referencedKeys(
  jobs: readonly Job[],
  config: ResolvedConfig,
  registry: ProviderRegistry,
): Set<string> {
  const keys = new Set(jobs.map((job) => job.key));
  for (const job of jobs) {
    for (const hero of job.sources) {
      const intent = buildIntent(hero, config);
      const providers = hero.spec.provider
        ? [registry.get(hero.spec.provider)]
        : registry.ids().map((id) => registry.get(id));
      for (const provider of providers) {
        if (!provider) continue;
        for (const model of modelsFor(provider, intent.model, config.model)) {
          try {
            keys.add(computeKey(provider.prepare({ ...intent }, model)));
          } catch {
            // This provider cannot make this hero (e.g. an aspect it does not take): no key.
          }
        }
      }
    }
  }
  return keys;
}

function modelsFor(
  provider: HeroProvider,
  heroModel: string | undefined,
  siteModel: string | undefined,
): string[] {
  if (heroModel) return [heroModel];
  return [...new Set([siteModel, provider.defaultModel].filter((m): m is string => !!m))];
}
