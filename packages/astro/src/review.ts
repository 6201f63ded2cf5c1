/**
 * The review in `astro dev`: a dev toolbar app (toolbar/app.js) listing the heroes on the
 * current page, on the review API of @herogen/core served by the dev server's middleware.
 * The token reaches the app through the toolbar's messaging; after an action the content is
 * refreshed (`createContentRefresher`) and the page reloads with the new image.
 */
import { createReviewApi, createReviewHandler, createReviewToken } from '@herogen/core';
import type { AstroIntegration } from 'astro';
import type { ProjectState } from './registry.js';

type ConfigSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:config:setup']>>[0];
type ServerSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:server:setup']>>[0];

/** The integration's `review` option. */
export interface ReviewOptions {
  /** Keep the review on when `astro dev --host` listens beyond this machine. */
  allowNonLoopback?: boolean;
}

export const REVIEW_APP_ID = 'herogen';
const TOKEN_EVENT = 'herogen:review-token';

const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="8.5" cy="10" r="1.5"/><path d="m21 16-5-5-8 8"/></svg>';

/** Register the toolbar app (called in `astro:config:setup` of `astro dev` only). */
export function addReviewApp(addDevToolbarApp: ConfigSetup['addDevToolbarApp']): void {
  addDevToolbarApp({
    id: REVIEW_APP_ID,
    name: 'herogen review',
    icon: ICON,
    entrypoint: new URL('../toolbar/app.js', import.meta.url),
  });
}

/** Serve the review API and hand its token to the toolbar app. */
export function serveReview(
  setup: Pick<ServerSetup, 'server' | 'toolbar'> & { refresh: () => Promise<void> },
  project: ProjectState,
  options: ReviewOptions,
): void {
  const { server, toolbar } = setup;
  const token = createReviewToken();
  toolbar.onAppInitialized(REVIEW_APP_ID, () => toolbar.send(TOKEN_EVENT, { token }));
  const api = createReviewApi(project.session, {
    logger: project.logger,
    onChange: async () => {
      // Answered after this: the content store is fresh when the app reloads its page, and
      // other tabs showing the site reload.
      await setup.refresh();
    },
  });
  server.middlewares.use(
    createReviewHandler({
      api,
      token,
      dev: true,
      address: () => {
        const address = server.httpServer?.address();
        return address && typeof address === 'object' ? address.address : undefined;
      },
      allowNonLoopback: options.allowNonLoopback === true,
    }),
  );
}
