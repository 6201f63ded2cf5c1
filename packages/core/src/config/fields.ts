import { z } from 'zod';

/**
 * How a frontmatter field is filled:
 * - `'hero'`: the field is herogen's own. A string is a prompt (or `auto`); Astro's loader
 *   turns it into `{ image, alt, prompt, decorative, placeholder }` for `heroSchema(image)`.
 * - `'image'`: the field is the site's own image field (`heroImage: z.optional(image())`). Only
 *   an object with a `prompt` (or `auto`) asks herogen for an image; a plain string stays the
 *   site's own image path and is never sent to a provider.
 */
export type FieldMode = 'hero' | 'image';

/** One frontmatter field herogen fills, in the order the config lists them. */
export interface HeroField {
  name: string;
  mode: FieldMode;
}

const fieldName = z.string().min(1);
const fieldMode = z.enum(['hero', 'image']);

/**
 * `field` as a user writes it: `'hero'`, `['hero', 'cover']` (all in hero mode), or names with
 * their mode, `{ hero: 'hero', heroImage: 'image' }`. Resolves to a list of `HeroField`.
 */
export const fieldSchema = z
  .union(
    [
      fieldName,
      z.array(fieldName).min(1),
      z
        .record(fieldName, fieldMode)
        .refine((fields) => Object.keys(fields).length > 0, 'name at least one field'),
    ],
    {
      error:
        'expected a field name ("hero"), a list of names, or names with their mode ({ hero: "hero", heroImage: "image" })',
    },
  )
  .refine(
    (value) => !Array.isArray(value) || new Set(value).size === value.length,
    'a field is listed twice',
  )
  .transform(toHeroFields);

/** The default: one field, `hero`, in hero mode. */
export const DEFAULT_FIELD = 'hero';

function toHeroFields(value: string | string[] | Record<string, FieldMode>): HeroField[] {
  if (typeof value === 'string') return [{ name: value, mode: 'hero' }];
  if (Array.isArray(value)) return value.map((name) => ({ name, mode: 'hero' as const }));
  return Object.entries(value).map(([name, mode]) => ({ name, mode }));
}

/** `hero` or `hero, heroImage (image)`, for messages. */
export function describeFields(fields: readonly HeroField[]): string {
  return fields
    .map((field) => (field.mode === 'image' ? `${field.name} (image)` : field.name))
    .join(', ');
}
