import { defineCollection } from 'astro:content';
import { docsLoader } from '@astrojs/starlight/loaders';
import { docsSchema } from '@astrojs/starlight/schema';
import { herogenLoader, heroSchema } from '@herogen/astro/content';
import { z } from 'astro/zod';

export const collections = {
  docs: defineCollection({
    loader: herogenLoader(docsLoader()),
    // Starlight's schema stays intact; `cover` is added beside its own `hero`.
    schema: docsSchema({
      extend: ({ image }) => z.object({ cover: heroSchema(image).optional() }),
    }),
  }),
};
