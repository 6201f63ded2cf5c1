/**
 * Site-level price overrides (`pricing` in herogen.config): a user who knows their real price
 * (a negotiated rate, a reseller, a newer price list) writes it once and every estimate, budget
 * and recorded flat cost uses it. Exact costs from a response's `usage` are never replaced.
 */
import type {
  CostEstimate,
  GeneratedImage,
  GenerationRequest,
  HeroProvider,
  ProviderContext,
} from '../types.js';

/** USD per image, keyed `<provider>:<model>` plus up to two qualifiers (quality, size, tier). */
export type PriceOverrides = Readonly<Record<string, number>>;

/**
 * `openai:gpt-image-2`, `openai:gpt-image-2:medium`, `openai:gpt-image-2:medium:1536x864`,
 * `hiapi:gpt-image-2:2K`. Segments never contain `:` or spaces.
 */
export const PRICE_KEY_PATTERN = /^[^:\s]+:[^:\s]+(:[^:\s]+){0,2}$/;

export interface PriceOverrideMatch {
  /** The config key that matched. */
  key: string;
  usd: number;
}

/**
 * The override for a request: provider and model must match, and each qualifier must equal the
 * request's quality, size or resolution. The key with the most qualifiers wins; between keys
 * equally specific, the one written first. Pure.
 */
export function findPriceOverride(
  request: GenerationRequest,
  overrides: PriceOverrides | undefined,
): PriceOverrideMatch | undefined {
  if (!overrides) return undefined;
  const values = new Set(
    [request.quality, request.size, request.resolution].filter(
      (value): value is string => typeof value === 'string',
    ),
  );
  let best: (PriceOverrideMatch & { specificity: number }) | undefined;
  for (const [key, usd] of Object.entries(overrides)) {
    const [provider, model, ...qualifiers] = key.split(':');
    if (provider !== request.provider || model !== request.model) continue;
    if (!qualifiers.every((qualifier) => values.has(qualifier))) continue;
    if (!best || qualifiers.length > best.specificity) {
      best = { key, usd, specificity: qualifiers.length };
    }
  }
  return best ? { key: best.key, usd: best.usd } : undefined;
}

/**
 * A provider whose estimates use the overrides first, and whose non-exact recorded costs (flat
 * prices, fallbacks when a response had no `usage`) use them too. Everything else is the
 * provider itself (delegation keeps class-based custom providers working).
 */
export function withPriceOverrides(
  provider: HeroProvider,
  overrides: PriceOverrides | undefined,
): HeroProvider {
  if (!overrides || Object.keys(overrides).length === 0) return provider;
  const estimate = (request: GenerationRequest): CostEstimate => {
    const match = findPriceOverride(request, overrides);
    return match ? { usd: match.usd, confidence: 'estimate' } : provider.estimate(request);
  };
  const generate = async (
    request: GenerationRequest,
    context: ProviderContext,
  ): Promise<GeneratedImage> => {
    const image = await provider.generate(request, context);
    const match = findPriceOverride(request, overrides);
    // A cost without a confidence is exact too (that is how the store reads it).
    const exact =
      image.costConfidence === 'exact' ||
      (image.costConfidence === undefined && typeof image.costUsd === 'number');
    if (!match || exact) return image;
    return { ...image, costUsd: match.usd, costConfidence: 'estimate' };
  };
  return Object.create(provider, {
    estimate: { value: estimate, enumerable: true },
    generate: { value: generate, enumerable: true },
  }) as HeroProvider;
}
