import { z } from 'zod';
import { PRICE_KEY_PATTERN } from '../pricing/overrides.js';
import type { HeroProvider } from '../types.js';
import { DEFAULT_FIELD, fieldSchema } from './fields.js';

/**
 * hiapi's default concurrency. A task there is created at once and then only polled, so more
 * can be in flight than synchronous calls (4), and its tasks take 30–90 s.
 */
export const HIAPI_DEFAULT_CONCURRENCY = 8;

/** `W:H` with both sides positive integers. Range (1:3..3:1) is checked where it is used. */
export const ASPECT_PATTERN = /^(\d{1,5}):(\d{1,5})$/;
/** `WxH` in pixels. */
export const SIZE_PATTERN = /^(\d{2,5})x(\d{2,5})$/;

const aspect = z
  .string()
  .regex(ASPECT_PATTERN, 'expected an aspect ratio like "16:9"')
  .refine((value) => {
    const [w, h] = value.split(':').map(Number) as [number, number];
    return w > 0 && h > 0 && w / h <= 3 && h / w <= 3;
  }, 'aspect ratio must be between 1:3 and 3:1');
const size = z.string().regex(SIZE_PATTERN, 'expected a pixel size like "1536x864"');
const format = z.enum(['png', 'webp', 'jpeg']);
const background = z.enum(['auto', 'opaque', 'transparent']);
const resolution = z.enum(['1K', '2K', '4K']);

const providerInstance = z.custom<HeroProvider>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as HeroProvider).id === 'string' &&
    typeof (value as HeroProvider).generate === 'function',
  'expected a provider created with defineProvider()',
);

export const providerChoice = z.union([
  z.enum(['auto', 'openai', 'hiapi', 'local']),
  providerInstance,
]);

const openaiOptions = z
  .object({
    apiKey: z.string().min(1).optional(),
    baseURL: z.url().optional(),
    organization: z.string().optional(),
    project: z.string().optional(),
  })
  .strict();

const hiapiOptions = z
  .object({
    apiKey: z.string().min(1).optional(),
    baseURL: z.url().optional(),
    /** Flat USD price per call, keyed `<model>` or `<model>@<resolution>`. */
    prices: z.record(z.string(), z.number().nonnegative()).optional(),
    /** Longest wait for a task before giving up on this run (the next run resumes it). */
    maxPollMs: z.number().int().positive().optional(),
  })
  .strict();

/** Everything a user can set, in `herogen.config.*`, inline options or CLI flags. */
export const configSchema = z
  .object({
    /** Globs of content files, relative to the project root. */
    content: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default(['src/content/**/*.{md,mdx,mdoc}']),
    /**
     * Frontmatter field(s) holding the hero prompt: `'hero'`, `['hero', 'cover']`, or names
     * with their mode, `{ hero: 'hero', heroImage: 'image' }` (see `FieldMode`).
     */
    field: fieldSchema.prefault(DEFAULT_FIELD),
    /** Where originals are stored, relative to the root; must stay inside it. */
    outDir: z.string().min(1).default('src/assets/herogen'),
    /** The lock manifest, relative to the root. */
    lockFile: z.string().min(1).default('herogen.lock.json'),
    provider: providerChoice.default('auto'),
    /** Default model for the chosen provider. */
    model: z.string().min(1).optional(),
    aspect: aspect.default('16:9'),
    size: size.optional(),
    resolution: resolution.default('1K'),
    quality: z.string().min(1).default('medium'),
    format: format.default('png'),
    background: background.default('auto'),
    /** Appended to every prompt unless a hero sets `style: false`. */
    style: z.string().optional(),
    /** `{prompt}`, `{title}`, `{description}` are filled in; `hero: auto` uses it alone. */
    promptTemplate: z.string().min(1).default('{prompt}'),
    /** Images generated at once: 4, or `HIAPI_DEFAULT_CONCURRENCY` with provider hiapi. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Per-request timeout in milliseconds. */
    timeoutMs: z.number().int().positive().default(300_000),
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** Any missing or failed image fails the run. */
    strict: z.boolean().default(false),
    /** A hero without `alt` (and not `decorative: true`) is an error instead of a warning. */
    strictAlt: z.boolean().default(false),
    /** Never call a paid API. Also `HEROGEN_FROZEN=1` or `--frozen`. */
    frozen: z.boolean().default(false),
    /**
     * Heroes an open batch covers (`herogen.batches.json`) get a placeholder until `herogen
     * batch collect` stores them, instead of being paid for a second time at the sync price.
     * `false` (`--no-wait-batch`) pays for them now.
     */
    waitForBatch: z.boolean().default(true),
    budget: z
      .object({
        maxUsd: z.number().nonnegative().optional(),
        maxImages: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    onBudget: z.enum(['fail', 'placeholder']).default('fail'),
    /**
     * When the API refuses the site's configuration (key rejected, no permission for the
     * model, unknown model), `'fail'` stops `astro build` / `vite build` with the fix;
     * `'placeholder'` builds with offline placeholders and a warning. Per-image failures
     * (a refused prompt, one timeout) and an empty balance are placeholders either way.
     */
    onError: z.enum(['fail', 'placeholder']).default('fail'),
    /**
     * USD per image, overriding the built-in price tables for estimates, budgets and flat
     * costs: `{ 'openai:gpt-image-2:medium:1536x864': 0.05, 'hiapi:gpt-image-2:2K': 0.05 }`.
     * Keys are `<provider>:<model>` plus optional quality / size / resolution; the most
     * specific key wins. Exact costs from a response's `usage` are kept.
     */
    pricing: z
      .record(z.string(), z.number().nonnegative())
      .superRefine((prices, context) => {
        for (const key of Object.keys(prices)) {
          if (PRICE_KEY_PATTERN.test(key)) continue;
          context.addIssue({
            code: 'custom',
            path: [key],
            message:
              'expected a key "<provider>:<model>" with optional ":<quality>", ":<size>" or ":<resolution>", e.g. "openai:gpt-image-2:medium:1536x864"',
          });
        }
      })
      .optional(),
    /** Dev server: generate changed prompts in the background, or only show placeholders. */
    dev: z.enum(['generate', 'placeholder']).default('generate'),
    openai: openaiOptions.optional(),
    hiapi: hiapiOptions.optional(),
  })
  .strict();

/** What a user writes. */
export type HerogenConfig = z.input<typeof configSchema>;
/** After defaults. */
export type ResolvedConfig = z.output<typeof configSchema>;
