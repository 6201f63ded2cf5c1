/**
 * hiapi task API bodies (providers.md §2): every answer is an envelope
 * `{ code, message, data, error_code? }` whose `code` mirrors the HTTP status.
 */
import { z } from 'zod';

export const hiapiEnvelopeSchema = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  data: z.unknown().optional(),
  error_code: z.string().nullable().optional(),
});

export const hiapiCreateDataSchema = z.object({ taskId: z.string().min(1) });

export const hiapiTaskSchema = z.object({
  taskId: z.string().optional(),
  model: z.string().optional(),
  status: z.string(),
  created: z.number().optional(),
  completed: z.number().optional(),
  output: z
    .array(
      z.object({
        url: z.string(),
        type: z.string().optional(),
        /** Unix seconds after which the file is gone. */
        expireAt: z.number().optional(),
      }),
    )
    .optional(),
  error: z
    .object({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() })
    .nullable()
    .optional(),
});

export type HiapiTask = z.infer<typeof hiapiTaskSchema>;
