import path from 'node:path';
import type { AstroIntegration } from 'astro';

type ServerSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:server:setup']>>[0];

/**
 * Astro's dev image endpoint answers with a year-long `Cache-Control`, and a real image lands
 * at the same path (and URL) as the placeholder it replaces: without this, the browser would
 * keep showing the placeholder after the reload. Only images from `outDir` are affected.
 */
export function preventStaleDevImages(server: ServerSetup['server'], outDir: string): void {
  const marker = `${path.resolve(outDir).split(path.sep).join('/')}/`;
  server.middlewares.use((request, response, next) => {
    if (!request.url?.startsWith('/_image?')) return next();
    const href = new URL(request.url, 'http://localhost').searchParams.get('href') ?? '';
    if (!href.includes(marker)) return next();
    const writeHead = response.writeHead.bind(response);
    response.writeHead = ((status: number, ...rest: unknown[]) => {
      response.setHeader('Cache-Control', 'no-cache');
      for (const headers of rest) {
        if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
          for (const name of Object.keys(headers)) {
            if (name.toLowerCase() === 'cache-control')
              (headers as Record<string, string>)[name] = 'no-cache';
          }
        }
      }
      return writeHead(status, ...(rest as []));
    }) as typeof response.writeHead;
    next();
  });
}
