import { formatError, HerogenError } from '@herogen/core';
import type { HeroEntry } from './entries.js';

export function notAHero(file: string): HerogenError {
  return new HerogenError('CONTENT_INVALID', `${file} has no hero image to import.`, {
    location: { file },
    hint: 'Give it a `hero:` field with a prompt, and make sure the plugin option `content` (or herogen.config) globs match it.',
  });
}

export function heroesNotBuiltYet(): HerogenError {
  return new HerogenError(
    'CONFIG_INVALID',
    'plugin.api.heroes() was called during a build before its browser bundle was generated, so the image URLs are not known yet.',
    {
      hint: 'Call it from a hook that runs after the bundle (VitePress transformHead, closeBundle), or import `virtual:herogen` in code that is bundled.',
    },
  );
}

export function missingOriginal(entry: HeroEntry): HerogenError {
  return new HerogenError(
    'STORE_IO',
    `The image for ${entry.file} is not on disk (${entry.key}).`,
    {
      location: { file: entry.file },
      hint: 'Run `herogen generate`, or check the build log above for why it failed.',
    },
  );
}

/** What a hook throws: a herogen error becomes one formatted message, keeping its cause. */
export function failure(error: unknown): Error {
  return HerogenError.is(error)
    ? new Error(formatError(error), { cause: error })
    : (error as Error);
}
