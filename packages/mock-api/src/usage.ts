import type { OpenAIQuality } from './openai-validate.js';

/**
 * Output image tokens per 1024×1024 image. Chosen so that at $30 per 1M output tokens a
 * 1024² image costs about $0.006 / $0.053 / $0.211 (the published gpt-image-2 estimates);
 * `xhigh` and `max` double each step (no official figure exists).
 */
export const OUTPUT_TOKENS_PER_MEGAPIXEL: Record<OpenAIQuality, number> = {
  low: 200,
  medium: 1760,
  high: 7040,
  xhigh: 14_080,
  max: 28_160,
};

export interface OpenAIUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { text_tokens: number; image_tokens: number };
  output_tokens_details: { text_tokens: number; image_tokens: number };
}

export interface UsageInput {
  prompt: string;
  width: number;
  height: number;
  quality: OpenAIQuality;
  n: number;
  /** Sizes of the input images of an edit. */
  inputImages?: Array<{ width: number; height: number }>;
  /** Output tokens per 1024² image by quality. @default OUTPUT_TOKENS_PER_MEGAPIXEL */
  outputTokensPerMegapixel?: Record<OpenAIQuality, number>;
}

/** Plausible, deterministic token usage: text ≈ chars/4, output ∝ pixels × quality. */
export function computeOpenAIUsage(input: UsageInput): OpenAIUsage {
  const textTokens = Math.max(1, Math.ceil(input.prompt.length / 4));
  const imageInputTokens = (input.inputImages ?? []).reduce(
    (sum, img) => sum + inputImageTokens(img.width, img.height),
    0,
  );
  const perImage = Math.ceil(
    ((input.outputTokensPerMegapixel ?? OUTPUT_TOKENS_PER_MEGAPIXEL)[input.quality] *
      input.width *
      input.height) /
      (1024 * 1024),
  );
  const outputTokens = perImage * input.n;
  const inputTokens = textTokens + imageInputTokens;
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    input_tokens_details: { text_tokens: textTokens, image_tokens: imageInputTokens },
    output_tokens_details: { text_tokens: 0, image_tokens: outputTokens },
  };
}

/** Vision-style tiling: fit in 2048², shortest side to 768, then 85 + 170 per 512-px tile. */
function inputImageTokens(width: number, height: number): number {
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 768 / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}
