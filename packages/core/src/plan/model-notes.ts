/**
 * Models a provider does not list: flagged by `herogen plan` before anything is paid, since a
 * typo (`gpt-imgae-2`) otherwise shows up only as a failed call. Pure.
 */
import { didYouMean } from '../config/suggest.js';
import type { HeroProvider, Job, ProviderRegistry } from '../types.js';

const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/;

/** False only when the provider lists its models and this one (snapshot or not) is not among them. */
export function isKnownModel(provider: HeroProvider | undefined, model: string): boolean {
  const known = provider?.knownModels;
  return !known || known.includes(model) || known.includes(model.replace(SNAPSHOT, ''));
}

/** One line per unknown provider/model pair among the jobs, in plan order. */
export function unknownModelNotes(jobs: readonly Job[], registry: ProviderRegistry): string[] {
  const notes: string[] = [];
  // Per provider, the models settled: known (or noted) ones are not judged again; a large site
  // has 20,000 jobs and a few pairs.
  const settled = new Map<string, Set<string>>();
  for (const { request } of jobs) {
    let models = settled.get(request.provider);
    if (!models) {
      models = new Set();
      settled.set(request.provider, models);
    }
    if (models.has(request.model)) continue;
    const provider = registry.get(request.provider);
    const known = provider?.knownModels;
    if (!provider || !known || isKnownModel(provider, request.model)) {
      models.add(request.model);
      continue;
    }
    // A retired model has its own message from `validate`.
    if (provider.validate(request).some((issue) => issue.field === 'model')) continue;
    models.add(request.model);
    notes.push(
      `model "${request.model}" is not a known model for ${request.provider}; it will be sent as is${didYouMean(request.model, known)} (known: ${known.join(', ')})`,
    );
  }
  return notes;
}
