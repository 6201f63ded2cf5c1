import { formatLocation, HerogenError } from '@herogen/core';
import { AstroError } from 'astro/errors';

/**
 * A herogen failure as Astro prints it: one `[herogen]` line naming file, line and field, the
 * hint below it, and no stack trace (the location already says where to look).
 */
export function toAstroError(error: unknown): Error {
  if (!HerogenError.is(error)) return error instanceof Error ? error : new Error(String(error));
  const where = formatLocation(error.location);
  const astroError = new AstroError(
    where ? `${where}: ${error.message}` : error.message,
    error.hint,
  );
  astroError.name = 'herogen';
  astroError.stack = '';
  return astroError;
}
