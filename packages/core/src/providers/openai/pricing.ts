/**
 * OpenAI image prices. The real cost of a call comes from its `usage` tokens (exact); the
 * per-image table only estimates a call before it is made, for budgets. Figures as read on
 * 2026-11-22 (providers.md §1.7); each entry names its source.
 */
import type { CostEstimate, GenerationRequest } from '../../types.js';
import { openAIModelInfo } from './models.js';
import type { OpenAIUsage } from './schemas.js';

export const PRICES_AS_OF = '2026-11-22';

/** USD per 1M tokens; identical for gpt-image-2, 2.5 and 2.6. */
export const OPENAI_TOKEN_PRICES = {
  textInputPerMillion: 5,
  imageInputPerMillion: 8,
  /** Output tokens are image tokens for these models. */
  imageOutputPerMillion: 30,
  sources: [
    'https://developers.openai.com/de-DE/api/docs/models/gpt-image-2.6-sunburst',
    'https://fal.ai/models/openai/gpt-image-2/llms.txt',
  ],
  asOf: PRICES_AS_OF,
} as const;

export interface PerImagePrice {
  size: string;
  low: number;
  medium: number;
  high: number;
  source: string;
  asOf: string;
}

/**
 * gpt-image-2 output cost per image (third party, citing openai.com/api/pricing; unconfirmed).
 * 1536x1024 really is listed as cheaper than 1024x1024.
 */
export const GPT_IMAGE_2_PER_IMAGE: readonly PerImagePrice[] = [
  {
    size: '1024x1024',
    low: 0.006,
    medium: 0.053,
    high: 0.211,
    source: 'https://robotsatlas.com/ai-models/chatgpt-images-2-0',
    asOf: PRICES_AS_OF,
  },
  {
    size: '1536x1024',
    low: 0.005,
    medium: 0.041,
    high: 0.165,
    source: 'https://robotsatlas.com/ai-models/chatgpt-images-2-0',
    asOf: PRICES_AS_OF,
  },
  {
    size: '1024x1536',
    low: 0.005,
    medium: 0.041,
    high: 0.165,
    source: 'https://robotsatlas.com/ai-models/chatgpt-images-2-0',
    asOf: PRICES_AS_OF,
  },
];

const UNKNOWN: CostEstimate = { usd: null, confidence: 'unknown' };

function parseSize(size: string | undefined): { width: number; height: number } | undefined {
  const match = /^(\d+)x(\d+)$/.exec(size ?? '');
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/** Rough prompt tokens (4 characters each) at the text input price. */
function promptCost(prompt: string): number {
  return (Math.ceil(prompt.length / 4) * OPENAI_TOKEN_PRICES.textInputPerMillion) / 1_000_000;
}

/**
 * Cost of a request before it is made. gpt-image-2 sizes from the table are used as listed;
 * other sizes are priced by pixel count at the dearest per-pixel rate of the listed sizes, so a
 * budget errs on the safe side (the listed 3:2 price per pixel is about half the square one; a
 * 16:9 hero scaled from it would be estimated at half what it may cost). 2.5 and 2.6 are assumed
 * to cost the same, as their token prices are the same. `auto`, `xhigh`, `max` and unknown
 * models have no published figure: unknown, never $0.
 */
export function estimateOpenAICost(request: GenerationRequest): CostEstimate {
  const info = openAIModelInfo(request.model);
  const quality = request.quality;
  if (!info || (quality !== 'low' && quality !== 'medium' && quality !== 'high')) return UNKNOWN;
  const size = parseSize(request.size);
  if (!size) return UNKNOWN;
  const exact = GPT_IMAGE_2_PER_IMAGE.find((entry) => entry.size === request.size);
  const usd = exact
    ? exact[quality]
    : size.width *
      size.height *
      Math.max(...GPT_IMAGE_2_PER_IMAGE.map((entry) => perPixel(entry, quality)));
  return { usd: roundUsd(usd + promptCost(request.prompt)), confidence: 'estimate' };
}

function perPixel(entry: PerImagePrice, quality: 'low' | 'medium' | 'high'): number {
  const listed = parseSize(entry.size)!;
  return entry[quality] / (listed.width * listed.height);
}

/**
 * What a call cost from its `usage`. Input tokens split by kind when the API says; otherwise
 * all input is priced as image input (the dearer rate). All output is image output.
 */
export function costFromUsage(usage: OpenAIUsage): number | undefined {
  if (usage.input_tokens === undefined && usage.output_tokens === undefined) return undefined;
  const p = OPENAI_TOKEN_PRICES;
  const text = usage.input_tokens_details?.text_tokens;
  const image = usage.input_tokens_details?.image_tokens;
  let input: number;
  if (text !== undefined || image !== undefined) {
    input = (text ?? 0) * p.textInputPerMillion + (image ?? 0) * p.imageInputPerMillion;
  } else {
    input = (usage.input_tokens ?? 0) * p.imageInputPerMillion;
  }
  const output = (usage.output_tokens ?? 0) * p.imageOutputPerMillion;
  return roundUsd((input + output) / 1_000_000);
}

/** Sub-cent precision without float noise (1e-6 USD). */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1_000_000) / 1_000_000;
}
