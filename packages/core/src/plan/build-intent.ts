import type { ResolvedConfig } from '../config/schema.js';
import type { ContentHero, HeroIntent } from '../types.js';
import { buildPrompt } from './build-prompt.js';

/** A hero's own settings over the site defaults. Pure. */
export function buildIntent(hero: ContentHero, config: ResolvedConfig): HeroIntent {
  const { spec } = hero;
  // An explicit aspect on the hero beats a site-wide pixel size; a hero's own size beats both.
  const size = spec.size ?? (spec.aspect ? undefined : config.size);
  const intent: HeroIntent = {
    prompt: buildPrompt(hero, config),
    aspect: spec.aspect ?? config.aspect,
    resolution: spec.resolution ?? config.resolution,
    quality: spec.quality ?? config.quality,
    background: spec.background ?? config.background,
    format: spec.format ?? config.format,
    references: hero.references,
    variant: spec.variant ?? 0,
  };
  if (size !== undefined) intent.size = size;
  if (spec.model !== undefined) intent.model = spec.model;
  return intent;
}
