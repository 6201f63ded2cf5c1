import path from 'node:path';
import type { EntryHero } from '@herogen/core';

/** What the loader writes into the hero field for `heroSchema(image)`. */
export interface HeroData {
  /** Path of the original relative to the entry, resolved by `image()`. */
  image: string;
  alt: string;
  prompt: string;
  decorative: boolean;
  placeholder: boolean;
}

/** A path from the entry file to the image that `image()` resolves relative to the entry. */
export function relativeImagePath(entryFile: string, imageFile: string): string {
  const relative = path.relative(path.dirname(entryFile), imageFile).split(path.sep).join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}

export function toHeroData(entryFile: string, hero: EntryHero): HeroData {
  return {
    image: relativeImagePath(entryFile, hero.absolutePath),
    alt: hero.alt,
    prompt: hero.prompt,
    decorative: hero.decorative,
    placeholder: hero.placeholder,
  };
}

/**
 * In `output: 'image'` mode only an object that asks for an image is ours: a plain string is
 * the author's own image path and passes through untouched.
 */
export function isHeroRequest(value: unknown): boolean {
  if (value === 'auto') return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return 'prompt' in value || (value as { auto?: unknown }).auto === true;
}
