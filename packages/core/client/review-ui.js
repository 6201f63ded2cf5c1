/**
 * The browser side of the herogen review (the Astro dev toolbar app and the Vite review page
 * both mount it): heroes with their details, actions with their estimated cost and a
 * confirmation, candidates side by side, earlier takes, the alt text edited in place. It only
 * talks to the review API (`createReviewHandler` in @herogen/core); every action runs there.
 * Framework-free, no dependencies; user text is set with textContent, never as HTML.
 */

const STYLE = `
.hg { font: 13px/1.45 system-ui, sans-serif; color: #e8e8ef; }
.hg * { box-sizing: border-box; }
.hg header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; margin-bottom: 8px; }
.hg h2 { font-size: 15px; margin: 0; }
.hg .counts { color: #b9b9c8; }
.hg .badge { display: inline-block; padding: 0 6px; border-radius: 4px; background: #3a3a4a; color: #fff; font-size: 11px; }
.hg .badge.warn { background: #8a5a00; }
.hg .badge.err { background: #9b1c1c; }
.hg .badge.ok { background: #1f6b3a; }
.hg .msg { min-height: 1.4em; margin: 4px 0 8px; }
.hg .msg.err { color: #ff9a9a; }
.hg button, .hg select, .hg input { font: inherit; color: inherit; background: #2b2b3a; border: 1px solid #50506a; border-radius: 6px; padding: 3px 8px; }
.hg button { cursor: pointer; }
.hg button:hover:not(:disabled) { background: #3b3b52; }
.hg button:disabled { opacity: .5; cursor: default; }
.hg button.primary { background: #4b3fd1; border-color: #6b60f0; }
.hg .hero { display: grid; grid-template-columns: minmax(160px, 300px) 1fr; gap: 12px; padding: 10px 0; border-top: 1px solid #3a3a4a; }
.hg .thumb { width: 100%; height: auto; border-radius: 6px; background: #222; display: block; }
.hg dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 8px; }
.hg dt { color: #9d9db0; }
.hg dd { margin: 0; overflow-wrap: anywhere; }
.hg .alt { display: flex; gap: 6px; }
.hg .alt input { flex: 1; min-width: 0; }
.hg .actions, .hg .site { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.hg .confirm { margin-top: 8px; padding: 8px; border: 1px solid #6b60f0; border-radius: 6px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.hg .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin-top: 8px; }
.hg figure { margin: 0; padding: 4px; border: 1px solid #3a3a4a; border-radius: 6px; }
.hg figure.current { border-color: #2fbf71; }
.hg figure img { width: 100%; height: auto; border-radius: 4px; display: block; }
.hg figcaption { display: flex; justify-content: space-between; align-items: center; gap: 4px; margin-top: 4px; font-size: 12px; }
.hg h3 { font-size: 12px; margin: 10px 0 0; color: #b9b9c8; font-weight: 600; }
.hg .empty { color: #b9b9c8; }
`;

const STATUS = {
  ok: ['generated', 'ok'],
  placeholder: ['placeholder', 'warn'],
  failed: ['failed', 'err'],
  missing: ['missing', 'warn'],
  corrupt: ['corrupt', 'err'],
};

/** `$0.042`, `$1.20`, or `unknown cost`. */
export function formatUsd(usd) {
  if (usd === null || usd === undefined) return 'unknown cost';
  return `$${usd < 0.1 && usd > 0 ? usd.toFixed(3) : usd.toFixed(2)}`;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function costText(estimate) {
  if (!estimate) return '…';
  if (estimate.calls === 0) return 'free';
  const about = estimate.confidence === 'exact' ? '' : '~';
  return `${estimate.calls} paid call${estimate.calls === 1 ? '' : 's'}, ${about}${formatUsd(estimate.usd)}`;
}

/**
 * Mount the review into `root` (an element or a shadow root).
 *
 * options.token   the review token (or a promise of it)
 * options.base    API base path (default `/__herogen/review`)
 * options.keys    () => image keys to show (the heroes on the page); absent: every hero
 * options.onStatus({ placeholders, failed, heroes })  after each listing
 * options.onChanged(outcome, action)  after an action changed an image or a file (awaited)
 */
export function mountReview(root, options = {}) {
  const base = (options.base ?? '/__herogen/review').replace(/\/+$/, '');
  const state = { listing: undefined, estimates: new Map(), pending: undefined, busy: false };
  let message = { text: '', error: false };
  const container = el('div', { class: 'hg', 'data-testid': 'hg-review' });
  root.append(el('style', { text: STYLE }), container);

  async function call(method, path, body) {
    const token = await options.token;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'x-herogen-token': token,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      credentials: 'same-origin',
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(json.error?.message ?? `HTTP ${response.status}`);
      error.code = json.error?.code;
      throw error;
    }
    return json;
  }

  async function estimate(action) {
    const id = JSON.stringify(action);
    if (!state.estimates.has(id)) {
      state.estimates.set(
        id,
        call('POST', '/estimate', action).catch((error) => ({ error: error.message })),
      );
    }
    return state.estimates.get(id);
  }

  async function refresh() {
    const keys = options.keys?.();
    const query = keys ? `?${keys.length ? keys.map((k) => `key=${k}`).join('&') : 'key='}` : '';
    try {
      state.listing = await call('GET', `/heroes${query}`);
      state.estimates.clear();
    } catch (error) {
      message = { text: error.message, error: true };
    }
    render();
    const heroes = state.listing?.heroes ?? [];
    options.onStatus?.({
      heroes: heroes.length,
      placeholders: heroes.filter((h) => h.status === 'placeholder' || h.status === 'missing')
        .length,
      failed: heroes.filter((h) => h.status === 'failed' || h.status === 'corrupt').length,
    });
  }

  async function run(action) {
    if (state.busy) return;
    state.busy = true;
    state.pending = undefined;
    message = { text: `${labelOf(action)}: running…`, error: false };
    render();
    try {
      const outcome = await call('POST', '/run', action);
      message = { text: outcome.message, error: !outcome.ok };
      if (outcome.files?.length) await options.onChanged?.(outcome, action);
    } catch (error) {
      message = { text: error.message, error: true };
    } finally {
      state.busy = false;
    }
    await refresh();
  }

  /** Ask before an action: what it does and what it costs; Confirm runs it once. */
  function ask(action, key) {
    state.pending = { action, key, estimate: undefined };
    render();
    estimate(action).then((found) => {
      if (state.pending?.action !== action) return;
      state.pending.estimate = found;
      render();
    });
  }

  function confirmBox() {
    const pending = state.pending;
    const found = pending.estimate;
    const refused = found?.refused ? ` (${found.refused}: nothing will be paid)` : '';
    const text = found?.error
      ? found.error
      : `${labelOf(pending.action)}: ${found ? costText(found) : 'estimating…'}${refused}. Go ahead?`;
    const go = el('button', {
      class: 'primary',
      'data-testid': 'hg-confirm',
      text: 'Confirm',
      disabled: !found || Boolean(found.error) || state.busy,
      onclick: (event) => {
        event.currentTarget.disabled = true;
        run(pending.action);
      },
    });
    const cancel = el('button', {
      'data-testid': 'hg-cancel',
      text: 'Cancel',
      onclick: () => {
        state.pending = undefined;
        render();
      },
    });
    return el(
      'div',
      { class: 'confirm', 'data-testid': 'hg-confirm-box' },
      el('span', { text }),
      go,
      cancel,
    );
  }

  function actionButton(testid, label, action, key = action.key ?? '*') {
    const button = el('button', {
      'data-testid': testid,
      text: `${label} · …`,
      disabled: state.busy,
      onclick: () => ask(action, key),
    });
    estimate(action).then((found) => {
      button.textContent = `${label} · ${found.error ? '?' : costText(found)}`;
    });
    return button;
  }

  function heroCard(hero) {
    const [statusText, statusClass] = STATUS[hero.status] ?? [hero.status, ''];
    const count = el(
      'select',
      { 'data-testid': 'hg-variant-count', 'aria-label': 'number of variants' },
      ...[2, 3, 4, 6].map((n) => el('option', { value: n, text: `×${n}`, selected: n === 3 })),
    );
    const variantsSlot = el('span');
    const drawVariants = () => {
      const n = Number(count.value);
      variantsSlot.replaceChildren(
        actionButton('hg-variants', `Variants ×${n}`, {
          action: 'variants',
          key: hero.key,
          count: n,
        }),
      );
    };
    count.addEventListener('change', drawVariants);
    drawVariants();

    // One alt field per post: posts sharing an image keep their own alt text.
    const altEditor = (source, single) => {
      const input = el('input', {
        'data-testid': 'hg-alt-input',
        'data-file': source?.file ?? '',
        value: (single ? hero.alt : source?.alt) ?? '',
        'aria-label': single ? 'alt text' : `alt text of ${source.file}`,
      });
      const action = { action: 'alt', key: hero.key, alt: '' };
      if (!single) action.file = source.file;
      const save = el('button', {
        'data-testid': 'hg-alt-save',
        text: 'Save alt',
        disabled: state.busy,
        onclick: () => run({ ...action, alt: input.value }),
      });
      return el('div', { class: 'alt' }, input, save);
    };

    const details = el('dl');
    const row = (label, value, testid) => {
      if (value === undefined || value === null || value === '') return;
      details.append(
        el('dt', { text: label }),
        value instanceof Node
          ? el('dd', {}, value)
          : el('dd', { text: value, 'data-testid': testid }),
      );
    };
    row(
      'status',
      el('span', { class: `badge ${statusClass}`, text: statusText, 'data-testid': 'hg-status' }),
    );
    if (hero.statusDetail) row('why', hero.statusDetail);
    row('prompt', hero.prompt, 'hg-prompt');
    if (hero.sources.length > 1) {
      for (const source of hero.sources) row(`alt (${source.file})`, altEditor(source, false));
    } else {
      row('alt', altEditor(hero.sources[0], true));
    }
    row('model', `${hero.provider} / ${hero.model}`, 'hg-model');
    row('size', `${hero.size} ${hero.format}`, 'hg-size');
    row('cost', formatUsd(hero.costUsd), 'hg-cost');
    row(
      'generated',
      hero.createdAt ? new Date(hero.createdAt).toLocaleString() : undefined,
      'hg-created',
    );
    row('request id', hero.requestId ?? hero.taskId, 'hg-request-id');
    row('used by', hero.sources.map((s) => s.file).join(', '), 'hg-sources');

    const actions = el(
      'div',
      { class: 'actions' },
      actionButton('hg-regenerate', 'Regenerate', { action: 'regenerate', key: hero.key }),
      count,
      variantsSlot,
    );
    const card = el(
      'article',
      { class: 'hero', 'data-testid': 'hg-hero', 'data-key': hero.key, 'data-busy': hero.busy },
      hero.thumbnail
        ? el('img', {
            class: 'thumb',
            src: hero.thumbnail.dataUri,
            alt: hero.alt ?? '',
            'data-testid': 'hg-thumb',
          })
        : el('div', { class: 'thumb empty', text: 'no image yet' }),
      el('div', {}, details, actions, state.pending?.key === hero.key ? confirmBox() : null),
    );
    const candidates = hero.takes.filter((take) => take.kind === 'candidate');
    const history = hero.takes.filter((take) => take.kind === 'history');
    if (candidates.length > 0) {
      card.append(
        el(
          'div',
          { style: 'grid-column: 1 / -1' },
          el('h3', { text: 'Variants' }),
          el(
            'div',
            { class: 'grid', 'data-testid': 'hg-candidates' },
            ...candidates.map((take) =>
              takeFigure(
                take,
                `#${take.n}`,
                'hg-pick',
                'Pick',
                {
                  action: 'pick',
                  key: hero.key,
                  n: take.n,
                },
                hero.key,
              ),
            ),
          ),
        ),
      );
    }
    if (history.length > 0) {
      card.append(
        el(
          'div',
          { style: 'grid-column: 1 / -1' },
          el('h3', { text: 'Earlier takes' }),
          el(
            'div',
            { class: 'grid', 'data-testid': 'hg-history' },
            ...history
              .slice()
              .reverse()
              .map((take) =>
                takeFigure(
                  take,
                  new Date(take.createdAt).toLocaleString(),
                  'hg-restore',
                  'Restore',
                  {
                    action: 'restore',
                    key: hero.key,
                    file: take.file,
                  },
                  hero.key,
                ),
              ),
          ),
        ),
      );
    }
    return card;
  }

  function takeFigure(take, label, testid, verb, action, key) {
    return el(
      'figure',
      {
        class: take.current ? 'current' : '',
        'data-testid': `${testid}-take`,
        'data-file': take.file,
      },
      take.thumbnail
        ? el('img', { src: take.thumbnail.dataUri, alt: label })
        : el('div', { class: 'empty', text: take.file }),
      el(
        'figcaption',
        {},
        el('span', {
          text: `${label} · ${take.placeholder ? 'placeholder' : formatUsd(take.costUsd)}`,
        }),
        take.current
          ? el('span', { class: 'badge ok', text: 'current' })
          : el('button', {
              'data-testid': testid,
              'data-n': take.n,
              text: verb,
              disabled: state.busy,
              onclick: () => ask(action, key),
            }),
      ),
    );
  }

  function render() {
    const listing = state.listing;
    const children = [];
    if (listing) {
      const t = listing.totals;
      children.push(
        el(
          'header',
          {},
          el('h2', { text: options.keys ? 'herogen: heroes on this page' : 'herogen: every hero' }),
          el('span', {
            class: 'counts',
            'data-testid': 'hg-counts',
            text: `site: ${t.images} heroes · ${t.ok} cached · ${t.placeholder} placeholder · ${t.missing} missing · ${t.failed + t.corrupt} failed · ${formatUsd(listing.spentUsd)} spent`,
          }),
          listing.frozen
            ? el('span', { class: 'badge warn', text: 'frozen: no paid calls' })
            : null,
          listing.budget?.maxUsd !== undefined
            ? el('span', { class: 'badge', text: `budget ${formatUsd(listing.budget.maxUsd)}` })
            : null,
        ),
      );
      const site = el(
        'div',
        { class: 'site' },
        actionButton(
          'hg-generate-missing',
          'Generate missing',
          { action: 'generate-missing' },
          '*',
        ),
      );
      children.push(site);
      if (state.pending?.key === '*') children.push(confirmBox());
    }
    children.push(
      el('div', {
        class: `msg${message.error ? ' err' : ''}`,
        role: 'status',
        'data-testid': 'hg-message',
        text: message.text,
      }),
    );
    if (listing) {
      if (listing.heroes.length === 0) {
        children.push(
          el('p', {
            class: 'empty',
            text: options.keys ? 'No herogen image on this page.' : 'No heroes yet.',
          }),
        );
      }
      children.push(el('div', { 'data-testid': 'hg-heroes' }, ...listing.heroes.map(heroCard)));
    } else {
      children.push(el('p', { class: 'empty', text: 'Loading…' }));
    }
    container.replaceChildren(...children);
  }

  render();
  return { refresh };
}

function labelOf(action) {
  switch (action.action) {
    case 'regenerate':
      return 'Regenerate (a new take; the current one is kept in history)';
    case 'variants':
      return `Variants ×${action.count} (side by side; the image changes only when you pick one)`;
    case 'pick':
      return `Pick variant #${action.n} (the current image is kept in history)`;
    case 'restore':
      return 'Restore this earlier take (the current image is kept in history)';
    case 'generate-missing':
      return 'Generate every missing image of the site (within the budget)';
    case 'alt':
      return 'Save the alt text';
    default:
      return action.action;
  }
}

/**
 * Image keys in a page's images (`<img src>`, `srcset`, `<source srcset>`): an original is
 * `<outDir>/<key>.<ext>`, and Astro's dev URLs carry that path encoded.
 */
export function keysInPage(doc = document) {
  const keys = new Set();
  const pattern = /\/([0-9a-f]{20})\.(?:png|webp|jpe?g|avif)\b/g;
  for (const node of doc.querySelectorAll('img, source')) {
    for (const value of [node.getAttribute('src'), node.getAttribute('srcset')]) {
      if (!value) continue;
      let text = value;
      try {
        text = decodeURIComponent(value);
      } catch {}
      for (const match of text.matchAll(pattern)) keys.add(match[1]);
    }
  }
  return [...keys];
}
