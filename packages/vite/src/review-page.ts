/**
 * The dev-only review page, `<base>@herogen/`: every hero of the site with its details and the
 * review actions (regenerate, variants then pick, restore, generate missing, alt text), on the
 * review API of @herogen/core mounted at `<base>__herogen/review`. Served by the dev server's
 * middleware only: a build never emits it.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  createReviewApi,
  createReviewHandler,
  createReviewToken,
  type Logger,
  type ReviewSession,
  reviewPageRefusal,
} from '@herogen/core';
import { DEV_PREFIX } from './ids.js';

type Next = (error?: unknown) => void;

/** The plugin's `review` option. */
export interface ReviewPageOptions {
  /** Answer although the dev server listens on a non-loopback address (`--host`). */
  allowNonLoopback?: boolean;
}

export interface ReviewPageContext {
  base: string;
  getSession(): Promise<ReviewSession>;
  logger: Logger;
  /** The server's listening address, checked at each request. */
  address(): string | undefined;
  /** After an action changed these content files' heroes: reload what shows them. */
  onChange(files: string[]): Promise<void>;
}

/** Path of the review page (after `base`). */
export const REVIEW_PAGE = DEV_PREFIX;
const UI_FILE = 'review-ui.js';

export function createReviewPage(options: ReviewPageOptions, context: ReviewPageContext) {
  const token = createReviewToken();
  const apiBase = `${context.base}__herogen/review`;
  const pages = new Set([`/${REVIEW_PAGE}`, `${context.base}${REVIEW_PAGE}`]);
  const checks = {
    dev: true,
    address: context.address,
    allowNonLoopback: options.allowNonLoopback === true,
  };
  const api = createReviewHandler({
    ...checks,
    token,
    base: apiBase,
    api: async () =>
      createReviewApi(await context.getSession(), {
        logger: context.logger,
        onChange: context.onChange,
      }),
  });
  let ui: Promise<string> | undefined;

  return async (req: IncomingMessage, res: ServerResponse, next: Next): Promise<void> => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.startsWith(apiBase)) return api(req, res, next);
    const page = pages.has(path);
    const script = [...pages].some((prefix) => path === `${prefix}${UI_FILE}`);
    if (!page && !script) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const refused = reviewPageRefusal(req, checks);
    if (refused) {
      res.statusCode = 403;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`herogen: ${refused}\n`);
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (script) {
      ui ??= readFile(fileURLToPath(import.meta.resolve('@herogen/core/review-ui')), 'utf8');
      res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      res.end(await ui);
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    // The page may not be framed by another site, and loads only its own script.
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    res.end(pageHtml(token, apiBase, `${context.base}${REVIEW_PAGE}${UI_FILE}`));
  };
}

function pageHtml(token: string, apiBase: string, script: string): string {
  const config = JSON.stringify({ token, base: apiBase }).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>herogen review</title>
<style>body { margin: 0; padding: 16px 24px; background: #181820; } main { max-width: 1100px; margin: 0 auto; }</style>
</head>
<body>
<main id="herogen-review"></main>
<script type="module">
import { mountReview } from ${JSON.stringify(script)};
const config = ${config};
mountReview(document.getElementById('herogen-review'), config).refresh();
</script>
</body>
</html>
`;
}
