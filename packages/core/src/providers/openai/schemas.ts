/**
 * The parts of OpenAI Images API responses herogen reads (openai-images-openapi.json,
 * `ImagesResponse` and `ErrorResponse`). Loose on purpose: unknown fields are ignored and
 * everything but `data[0].b64_json` is optional, as in the spec.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const openAIUsageSchema = z.object({
  input_tokens: count.optional(),
  output_tokens: count.optional(),
  total_tokens: count.optional(),
  input_tokens_details: z
    .object({ text_tokens: count.optional(), image_tokens: count.optional() })
    .optional(),
  output_tokens_details: z
    .object({ text_tokens: count.optional(), image_tokens: count.optional() })
    .optional(),
});

export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

export const openAIImagesResponseSchema = z.object({
  created: z.number().optional(),
  data: z
    .array(
      z.object({
        b64_json: z.string().optional(),
        revised_prompt: z.string().optional(),
      }),
    )
    .min(1),
  background: z.string().optional(),
  output_format: z.string().optional(),
  quality: z.string().optional(),
  size: z.string().optional(),
  usage: openAIUsageSchema.optional(),
});

export type OpenAIImagesResponse = z.infer<typeof openAIImagesResponseSchema>;

export const openAIErrorBodySchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    param: z.string().nullable().optional(),
    code: z.string().nullable().optional(),
  }),
});
