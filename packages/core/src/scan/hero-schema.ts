import { z } from 'zod';
import { describeValue } from '../config/format-issues.js';
import { didYouMean } from '../config/suggest.js';
import { aspectProblem, sizeProblem } from './hero-checks.js';

/** Most references an image edit accepts (OpenAI's limit). */
export const MAX_REFERENCES = 16;

/** A provider id: a built-in (`openai`, `hiapi`, `local`) or a custom provider's id. */
const PROVIDER_ID = /^[a-z0-9][a-z0-9._-]*$/i;

const got = (input: unknown) => `got ${describeValue(input)}`;

function text(name: string, example: string) {
  return z
    .string({
      error: (issue) => `${name} must be text, ${got(issue.input)}; write e.g. ${name}: ${example}`,
    })
    .refine((value) => value.trim() !== '', {
      message: `${name} is empty; remove it or write e.g. ${name}: ${example}`,
    });
}

function choice<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z.enum(values, {
    error: (issue) =>
      `${name} must be one of ${values.join(', ')}, ${got(issue.input)}${typeof issue.input === 'string' ? didYouMean(issue.input, values, { jpg: 'jpeg' }) : ''}`,
  });
}

function flag(name: string) {
  return z.boolean({ error: (issue) => `${name} must be true or false, ${got(issue.input)}` });
}

/**
 * The object form of the hero field. Strict: an unknown key is an error (with a suggestion),
 * because a typo such as `promt` would otherwise silently drop the author's intent.
 */
export const heroObjectSchema = z
  .object({
    prompt: z.string({
      error: (issue) =>
        `prompt must be text, ${got(issue.input)}; write e.g. prompt: "A lighthouse at dusk"`,
    }),
    auto: flag('auto'),
    alt: z.string({
      error: (issue) => `alt must be text describing the image, ${got(issue.input)}`,
    }),
    decorative: flag('decorative'),
    aspect: z
      .string({
        error: (issue) => `aspect must be a quoted ratio like "16:9", ${got(issue.input)}`,
      })
      .superRefine((value, context) => {
        const problem = aspectProblem(value);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    size: z
      .string({
        error: (issue) => `size must be a quoted pixel size like "1536x864", ${got(issue.input)}`,
      })
      .superRefine((value, context) => {
        const problem = sizeProblem(value);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }),
    resolution: choice('resolution', ['1K', '2K', '4K']),
    quality: text('quality', 'high'),
    model: text('model', 'gpt-image-2'),
    provider: text('provider', 'openai').refine((value) => PROVIDER_ID.test(value), {
      message:
        'provider must be an id such as openai, hiapi or local (letters, digits, ".", "_", "-")',
    }),
    format: choice('format', ['png', 'webp', 'jpeg']),
    background: choice('background', ['auto', 'opaque', 'transparent']),
    style: z.union([z.string(), z.literal(false)], {
      error: (issue) =>
        `style must be text that replaces the site style, or false to leave it out, ${got(issue.input)}`,
    }),
    variant: z
      .number({
        error: (issue) =>
          `variant must be a whole number, ${got(issue.input)}; write e.g. variant: 1`,
      })
      .int({
        error: (issue) =>
          `variant must be a whole number, ${got(issue.input)}; write e.g. variant: 1`,
      })
      .min(0, { error: (issue) => `variant must be 0 or more, ${got(issue.input)}` }),
    references: z
      .array(
        z
          .string({ error: (issue) => `each reference must be a file path, ${got(issue.input)}` })
          .refine((value) => value.trim() !== '', {
            message: 'a reference path is empty; remove it',
          }),
        {
          error: (issue) =>
            `references must be a list of image paths, ${got(issue.input)}; write e.g. references: ["./sketch.png"]`,
        },
      )
      .max(MAX_REFERENCES, {
        error: (issue) =>
          `references lists ${Array.isArray(issue.input) ? issue.input.length : 'too many'} images; at most ${MAX_REFERENCES} are allowed`,
      }),
  })
  .partial()
  .strict();

export type HeroObjectInput = z.infer<typeof heroObjectSchema>;

export const HERO_KEYS = Object.keys(heroObjectSchema.shape);

/** Names authors bring from other tools (or natural slips), mapped to hero keys. */
export const HERO_KEY_ALIASES: Readonly<Record<string, string>> = {
  aspectRatio: 'aspect',
  aspect_ratio: 'aspect',
  ratio: 'aspect',
  dimensions: 'size',
  altText: 'alt',
  alt_text: 'alt',
  description: 'alt',
  caption: 'alt',
  text: 'prompt',
  reference: 'references',
  refs: 'references',
  images: 'references',
  seed: 'variant',
};
