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
  const notes = new Map<string, string>();
  for (const { request } of jobs) {
    const pair = `${request.provider}\u0000${request.model}`;
    if (notes.has(pair)) continue;
    const provider = registry.get(request.provider);
    const known = provider?.knownModels;
    if (!provider || !known || isKnownModel(provider, request.model)) continue;
    // A retired model has its own message from `validate`.
    if (provider.validate(request).some((issue) => issue.field === 'model')) continue;
    notes.set(
      pair,
      `model "${request.model}" is not a known model for ${request.provider}; it will be sent as is${didYouMean(request.model, known)} (known: ${known.join(', ')})`,
    );
  }
  return [...notes.values()];
}
