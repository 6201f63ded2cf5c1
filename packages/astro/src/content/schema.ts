import type { ImageFunction } from 'astro/content/config';
import { z } from 'astro/zod';

/**
 * The hero field of a collection schema: `image` becomes `ImageMetadata` for `<Image>` and
 * `<Picture>`. Use inside `schema: ({ image }) => z.object({ hero: heroSchema(image) })` or
 * Starlight's `docsSchema({ extend: ({ image }) => z.object({ cover: heroSchema(image) }) })`.
 */
export function heroSchema(image: ImageFunction) {
  return z.object({ image: image(), ...heroFields() });
}

let fields: ReturnType<typeof buildHeroFields> | undefined;

/**
 * Astro builds a collection's schema once per entry (`image()` is bound to the entry's file):
 * the other fields' schemas are built once and shared.
 */
function heroFields() {
  fields ??= buildHeroFields();
  return fields;
}

function buildHeroFields() {
  return {
    alt: z.string(),
    prompt: z.string(),
    decorative: z.boolean().default(false),
    /** True while an offline stand-in is shown instead of a generated image. */
    placeholder: z.boolean().default(false),
  };
}

/**
 * `getImage()` options for the Open Graph crop of a hero: 1200×630, cropped around the most
 * interesting region (sharp's attention strategy).
 *
 * ```astro
 * const og = await getImage({ src: hero.image, ...ogImageOptions });
 * <meta property="og:image" content={new URL(og.src, Astro.site)} />
 * ```
 */
export const ogImageOptions = {
  width: 1200,
  height: 630,
  fit: 'cover',
  position: 'attention',
  format: 'jpg',
} as const;
