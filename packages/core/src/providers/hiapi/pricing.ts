/**
 * hiapi flat prices per call. hiapi asks integrators to read its live pricing page instead of
 * hard-coding prices, so these are defaults, overridable with the provider's `prices` option
 * (`<model>` or `<model>@<resolution>`), and every cost is reported as an estimate.
 */
import type { CostEstimate, GenerationRequest } from '../../types.js';

export const HIAPI_PRICES_AS_OF = '2026-11-22';
export const HIAPI_PRICING_PAGE = 'https://www.hiapi.ai/en/pricing';

export interface HiapiPrice {
  usd: number;
  source: string;
  asOf: string;
  /** True where the figure is inferred rather than published. */
  assumed?: boolean;
}

/** hiapi's own article comparing ChatGPT Images 2.0 with the gpt-image-2 API (April 2026). */
const ARTICLE = `hiapi article "ChatGPT Images 2.0 vs gpt-image-2 API" (April 2026); live prices ${HIAPI_PRICING_PAGE}`;
const price = (usd: number, assumed = false): HiapiPrice => ({
  usd,
  source: ARTICLE,
  asOf: HIAPI_PRICES_AS_OF,
  ...(assumed ? { assumed } : {}),
});

/** Keyed `<model>@<resolution>` or `<model>` (any resolution). */
export const HIAPI_DEFAULT_PRICES: Readonly<Record<string, HiapiPrice>> = {
  'gpt-image-2@1K': price(0.03),
  'gpt-image-2@2K': price(0.04),
  'gpt-image-2@4K': price(0.06),
  'gpt-image-2-pro': price(0.35),
  // Not published: assumed to cost the same as text-to-image at each tier.
  'gpt-image-2-image-to-image@1K': price(0.03, true),
  'gpt-image-2-image-to-image@2K': price(0.04, true),
  'gpt-image-2-image-to-image@4K': price(0.06, true),
  'gpt-image-2-image-to-image-pro': price(0.4),
};

/** The flat price of a request: user prices first, then the table; unknown otherwise. */
export function estimateHiapiCost(
  request: GenerationRequest,
  overrides: Readonly<Record<string, number>> = {},
): CostEstimate {
  const tier = `${request.model}@${request.resolution ?? '1K'}`;
  const usd =
    overrides[tier] ??
    overrides[request.model] ??
    HIAPI_DEFAULT_PRICES[tier]?.usd ??
    HIAPI_DEFAULT_PRICES[request.model]?.usd;
  return usd === undefined ? { usd: null, confidence: 'unknown' } : { usd, confidence: 'estimate' };
}
