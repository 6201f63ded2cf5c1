import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, relative, resolve } from 'node:path';
import { type Deriver, MEDIA_TYPES } from '@herogen/core/derive';
import { DEV_PREFIX } from './ids.js';

type Next = (error?: unknown) => void;

const TYPES: Record<string, string> = {
  avif: MEDIA_TYPES.avif,
  webp: MEDIA_TYPES.webp,
  jpg: MEDIA_TYPES.jpeg,
  png: MEDIA_TYPES.png,
};

/** Dev URL of a cached derivative: `<base>@herogen/<sha256>/<file>`. */
export function devUrlOf(base: string, cacheDir: string, path: string): string {
  return `${base}${DEV_PREFIX}${relative(cacheDir, path).split('\\').join('/')}`;
}

/**
 * Serves derivatives from the cache directory, encoding a variant the first time a browser
 * asks for it, so opening a page never waits for every width and format.
 */
export function createDevMiddleware(
  base: string,
  deriver: Deriver,
  onError: (error: unknown) => void,
) {
  const prefixes = [...new Set([`/${DEV_PREFIX}`, `${base}${DEV_PREFIX}`])];
  return async (req: IncomingMessage, res: ServerResponse, next: Next): Promise<void> => {
    const url = (req.url ?? '').split('?')[0] ?? '';
    const prefix = prefixes.find((candidate) => url.startsWith(candidate));
    if (!prefix) return next();
    const rest = decodeURIComponent(url.slice(prefix.length));
    const path = resolve(deriver.cacheDir, rest);
    const inside = relative(deriver.cacheDir, path);
    const extension = path.slice(path.lastIndexOf('.') + 1);
    if (!inside || inside.startsWith('..') || isAbsolute(inside) || !TYPES[extension]) {
      res.statusCode = 404;
      res.end();
      return;
    }
    try {
      const image = await deriver.ensure(path);
      if (!image) {
        res.statusCode = 404;
        res.end('herogen: unknown image; reload the page');
        return;
      }
      res.statusCode = 200;
      res.setHeader('Content-Type', TYPES[extension] ?? 'application/octet-stream');
      res.setHeader('Content-Length', String(image.bytes));
      // Names hash the original and the transform: a given URL never changes content.
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      createReadStream(path).pipe(res);
    } catch (error) {
      onError(error);
      res.statusCode = 500;
      res.end('herogen: could not derive this image; see the dev server log');
    }
  };
}
