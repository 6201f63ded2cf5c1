import { defineCollection } from 'astro:content';
import { herogenLoader, heroSchema } from '@herogen/astro/content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

const blog = defineCollection({
  // herogenLoader points each post's `hero` at its generated image before the schema runs.
  loader: herogenLoader(glob({ pattern: '**/*.{md,mdx}', base: './src/content/blog' })),
  schema: ({ image }) =>
    z.object({
      title: z.string(),
      description: z.string(),
      pubDate: z.coerce.date(),
      tags: z.array(z.string()).default([]),
      hero: heroSchema(image),
    }),
});

export const collections = { blog };
