/**
 * The herogen dev toolbar app (registered by the integration in `astro dev` only): the heroes
 * on this page with their details and the review actions, on the review API of @herogen/core.
 * The UI is @herogen/core/review-ui, the same one the Vite review page mounts.
 */
import { keysInPage, mountReview } from '@herogen/core/review-ui';
import { defineToolbarApp } from 'astro/toolbar';

/** Set before an action reloads the page, so the app opens again on the reloaded page. */
const REOPEN = 'herogen:review-open';

function escapeHtml(text) {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
}

/** Poll this page's HTML until it contains `text` (at most 5 s). */
async function pageShows(text) {
  for (let tries = 0; tries < 25; tries++) {
    const html = await fetch(location.href, { cache: 'no-store' })
      .then((response) => response.text())
      .catch(() => '');
    if (html.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export default defineToolbarApp({
  init(canvas, app, server) {
    let resolveToken;
    const token = new Promise((resolve) => {
      resolveToken = resolve;
    });
    // Sent by the integration once this app is initialized (toolbar.onAppInitialized).
    server.on('herogen:review-token', (data) => resolveToken(data.token));

    const panel = document.createElement('astro-dev-toolbar-window');
    panel.style.width = 'min(980px, calc(100vw - 32px))';
    panel.style.maxHeight = 'min(760px, calc(100vh - 120px))';
    panel.style.overflow = 'auto';
    const body = document.createElement('div');
    panel.append(body);
    canvas.append(panel);

    const review = mountReview(body, {
      token,
      keys: () => keysInPage(document),
      onStatus({ placeholders, failed }) {
        // A mark on the toolbar icon when this page shows stand-ins or failures.
        if (failed > 0) app.toggleNotification({ state: true, level: 'error' });
        else if (placeholders > 0) app.toggleNotification({ state: true, level: 'warning' });
        else app.toggleNotification({ state: false });
      },
      async onChanged(_outcome, action) {
        // The server refreshed the content before answering; an edited frontmatter may still
        // be on its way into the page, so wait (briefly) until the page has the new alt text.
        if (action.action === 'alt') await pageShows(escapeHtml(action.alt));
        // Reload to show the result, and open the app again on the reloaded page.
        sessionStorage.setItem(REOPEN, '1');
        location.reload();
      },
    });
    app.onToggled(({ state }) => {
      if (state) review.refresh();
    });
    // Lists only (never spends): the notification needs to know what the page shows.
    review.refresh();
    if (sessionStorage.getItem(REOPEN)) {
      sessionStorage.removeItem(REOPEN);
      app.toggleState({ state: true });
    }
  },
});
