/**
 * The HTML contact sheet: one self-contained file (inline CSS, inline JS, thumbnails as data
 * URIs, a CSP that forbids every network fetch) that works offline, attached to a PR or opened
 * from disk. Pure: data in, text out. Every user string is escaped.
 */
import {
  plural,
  type ReportData,
  type ReportImage,
  type ReportStatus,
  type ReportTake,
} from '@herogen/core';
import { formatBytes } from '../output/format-bytes.js';

const STATUS_LABEL: Record<ReportStatus, string> = {
  ok: 'generated',
  placeholder: 'placeholder',
  failed: 'failed',
  missing: 'missing',
  corrupt: 'corrupt',
};

export function renderReportHtml(data: ReportData): string {
  const providers = [...new Set(data.images.map((image) => image.provider))].sort();
  const statuses = (Object.keys(STATUS_LABEL) as ReportStatus[]).filter((status) =>
    data.images.some((image) => image.status === status),
  );
  const t = data.totals;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="generator" content="herogen">
<title>herogen report · ${esc(data.project)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top">
  <div class="brand">
    <h1>herogen <span>report</span></h1>
    <p class="sub"><strong>${esc(data.project)}</strong> · ${plural(t.images, 'hero image')} · generated ${esc(formatDate(data.generatedAt))} UTC</p>
  </div>
  <dl class="totals">
    ${total('generated', t.ok, 'ok')}
    ${total('placeholders', t.placeholder, 'placeholder')}
    ${total('failed', t.failed, 'failed')}
    ${total('missing', t.missing, 'missing')}
    ${t.corrupt > 0 ? total('corrupt', t.corrupt, 'corrupt') : ''}
    <div class="total spent"><dt>spent on what is shown</dt><dd>${esc(usd(t.costUsd, t.costIsEstimate))}</dd></div>
    ${t.takesCostUsd > 0 ? `<div class="total spent"><dt>earlier takes &amp; candidates</dt><dd>${esc(usd(t.takesCostUsd, false))}</dd></div>` : ''}
    ${t.refusedCostUsd > 0 ? `<div class="total spent"><dt>billed, not stored</dt><dd>${esc(usd(t.refusedCostUsd, false))}</dd></div>` : ''}
    <div class="total size"><dt>originals in the repo</dt><dd>${esc(formatBytes(t.originalsBytes))}${t.historyBytes > 0 ? ` <small>+ ${esc(formatBytes(t.historyBytes))} earlier takes</small>` : ''}</dd></div>
  </dl>
</header>
<nav class="controls" aria-label="Filter and sort">
  <input type="search" id="q" placeholder="Search prompt, file, model, key…  ( / )" aria-label="Search" autocomplete="off">
  <select id="status" aria-label="Status">
    <option value="">All statuses</option>
    ${statuses.map((status) => `<option value="${status}">${STATUS_LABEL[status]}</option>`).join('')}
  </select>
  <select id="provider" aria-label="Provider">
    <option value="">All providers</option>
    ${providers.map((provider) => `<option value="${esc(provider)}">${esc(provider)}</option>`).join('')}
  </select>
  <select id="sort" aria-label="Sort">
    <option value="file">File A→Z</option>
    <option value="problems">Problems first</option>
    <option value="newest">Newest first</option>
    <option value="oldest">Oldest first</option>
    <option value="cost-desc">Cost: high → low</option>
    <option value="cost-asc">Cost: low → high</option>
  </select>
  <output id="count" aria-live="polite">${t.images} of ${t.images}</output>
</nav>
<main id="grid">
${data.images.map(card).join('\n')}
</main>
<p id="empty" class="empty" hidden>No image matches these filters.</p>
<footer>Made by herogen. This page is self-contained: it loads nothing from the network.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function total(label: string, count: number, status: ReportStatus): string {
  return `<div class="total ${status}${count === 0 ? ' zero' : ''}"><dt>${label}</dt><dd>${count}</dd></div>`;
}

function card(image: ReportImage): string {
  const search = [
    image.prompt,
    image.revisedPrompt,
    image.alt,
    image.provider,
    image.model,
    image.key,
    image.file,
    ...image.sources.flatMap((source) => [source.file, source.title]),
  ]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  const first = image.sources[0];
  const thumb = image.thumbnail ?? missingArt(image);
  const alt = image.alt ?? image.prompt;
  const cost = costText(image);
  const takes = image.takes.length > 0 ? takesStrip(image.takes) : '';
  return `<article class="card s-${image.status}" data-key="${esc(image.key)}" data-status="${image.status}" data-provider="${esc(image.provider)}" data-file="${esc(first?.file ?? image.file)}" data-created="${esc(image.createdAt ?? '')}" data-cost="${image.costUsd ?? -1}" data-search="${esc(search)}">
  <figure class="thumb">
    <img src="${thumb.dataUri}" width="${thumb.width}" height="${thumb.height}" alt="${esc(alt)}">
    <span class="badge">${STATUS_LABEL[image.status]}</span>
  </figure>
  <div class="body">
    <ul class="sources">${image.sources
      .map(
        (source) =>
          `<li><code>${esc(source.file)}</code><span class="line">:${source.line}</span>${source.title ? ` <span class="title">${esc(source.title)}</span>` : ''}</li>`,
      )
      .join('')}</ul>
    <p class="prompt" title="${esc(image.prompt)}">${esc(image.prompt)}</p>
    ${image.statusDetail ? `<p class="detail" title="${esc(image.statusDetail)}">${esc(image.statusDetail)}</p>` : ''}
    ${image.revisedPrompt ? `<details><summary>revised prompt</summary><p>${esc(image.revisedPrompt)}</p></details>` : ''}
    <dl class="meta">
      <div class="wide"><dt>model</dt><dd>${esc(image.provider)} · ${esc(image.model)}</dd></div>
      <div class="wide"><dt>size</dt><dd>${esc(image.size)}${image.quality ? ` · ${esc(image.quality)}` : ''} · ${esc(image.format)}</dd></div>
      <div><dt>cost</dt><dd class="cost">${esc(cost)}</dd></div>
      <div><dt>date (UTC)</dt><dd>${image.createdAt ? esc(formatDate(image.createdAt)) : '—'}</dd></div>
      <div class="wide"><dt>file</dt><dd><code>${esc(image.file)}</code></dd></div>
      ${image.requestId || image.taskId ? `<div class="wide"><dt>request</dt><dd><code>${esc(image.requestId ?? image.taskId ?? '')}</code></dd></div>` : ''}
    </dl>
    ${takes}
  </div>
</article>`;
}

function takesStrip(takes: readonly ReportTake[]): string {
  const history = takes.filter((take) => take.kind === 'history').length;
  const candidates = takes.filter((take) => take.kind === 'candidate').length;
  const parts = [
    history > 0 ? plural(history, 'earlier take') : '',
    candidates > 0 ? plural(candidates, 'candidate') : '',
  ].filter(Boolean);
  return `<div class="takes"><p>${parts.join(' · ')}</p><ul>${takes
    .map((take) => {
      const label = take.kind === 'candidate' ? `#${take.n}` : 'old';
      const title = `${take.kind === 'candidate' ? `candidate ${take.n}` : `earlier take, replaced ${formatDate(take.replacedAt ?? '')}`} · ${take.file} · ${take.costUsd === null ? 'cost unknown' : usd(take.costUsd, false)}${take.current ? ' · shown now' : ''}`;
      const style = take.thumbnail
        ? ` style="background-image:url('${take.thumbnail.dataUri}')"`
        : '';
      return `<li class="take${take.current ? ' current' : ''}${take.placeholder ? ' ph' : ''}" title="${esc(title)}"${style}><span>${esc(label)}</span></li>`;
    })
    .join('')}</ul></div>`;
}

/** A neutral stand-in drawn as SVG, so every hero has an image and the grid stays even. */
function missingArt(image: ReportImage): { dataUri: string; width: number; height: number } {
  const match = /(\d+)\D+(\d+)/.exec(image.size);
  const ratio = match ? Number(match[2]) / Number(match[1]) : 9 / 16;
  const width = 320;
  const height = Math.max(60, Math.round(width * (Number.isFinite(ratio) ? ratio : 9 / 16)));
  const label = image.status === 'missing' ? 'not generated yet' : 'cannot be read';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs><pattern id="p" width="14" height="14" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="14" height="14" fill="#eef0f3"/><rect width="7" height="14" fill="#e3e6ea"/></pattern></defs><rect width="100%" height="100%" fill="url(#p)"/><text x="50%" y="50%" font-family="system-ui,sans-serif" font-size="15" fill="#6b7280" text-anchor="middle" dominant-baseline="middle">${label}</text></svg>`;
  return {
    dataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    width,
    height,
  };
}

/** Unknown is shown as unknown, never as $0; stand-ins are free; an estimate says so. */
function costText(image: ReportImage): string {
  if (image.status === 'placeholder') return 'free (offline art)';
  if (image.status === 'failed') return 'none stored';
  if (image.costUsd === null) return 'unknown';
  if (image.status === 'missing') {
    return image.costUsd === 0 ? 'free (offline art)' : `est. ${usd(image.costUsd, true)}`;
  }
  return usd(image.costUsd, image.costConfidence !== 'exact');
}

function usd(value: number, estimate: boolean): string {
  const text = `$${value > 0 && value < 0.01 ? value.toFixed(4) : value.toFixed(2)}`;
  return estimate ? `~${text}` : text;
}

function formatDate(iso: string): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '';
}

/** HTML-escape text and attribute values. */
export function esc(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#16181d;--muted:#5f6673;--line:#e3e6eb;--accent:#4f46e5;
--ok:#15803d;--ph:#b45309;--fail:#b91c1c;--miss:#6b7280;--bad:#7c3aed;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#171a21;--ink:#e8eaf0;--muted:#9aa3b2;
--line:#272c36;--accent:#8b85ff;--ok:#4ade80;--ph:#fbbf24;--fail:#f87171;--miss:#9ca3af;--bad:#c4b5fd}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.top{display:flex;flex-wrap:wrap;gap:16px 32px;align-items:flex-end;justify-content:space-between;padding:28px 32px 18px}
h1{margin:0;font-size:26px;letter-spacing:-.02em}h1 span{color:var(--accent);font-weight:600}
.sub{margin:4px 0 0;color:var(--muted)}
.totals{display:flex;flex-wrap:wrap;gap:10px;margin:0}
.total{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px 14px;min-width:92px}
.total dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.total dd{margin:0;font-size:20px;font-weight:650}
.total.ok dd{color:var(--ok)}.total.placeholder dd{color:var(--ph)}.total.failed dd{color:var(--fail)}
.total.missing dd{color:var(--miss)}.total.corrupt dd{color:var(--bad)}.total.zero dd{color:var(--muted);font-weight:500}
.controls{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:10px;align-items:center;padding:12px 32px;
background:color-mix(in srgb,var(--bg) 88%,transparent);backdrop-filter:blur(8px);border-bottom:1px solid var(--line)}
.controls input,.controls select{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:7px 10px}
.controls input{flex:1 1 260px;min-width:200px}
.controls input:focus,.controls select:focus{outline:2px solid var(--accent);outline-offset:1px}
#count{margin-left:auto;color:var(--muted);font-variant-numeric:tabular-nums}
#grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:18px;padding:22px 32px 8px}
.card{display:flex;flex-direction:column;background:var(--card);border:1px solid var(--line);border-radius:12px;overflow:hidden;
box-shadow:0 1px 2px rgb(0 0 0/.04)}
.card[hidden]{display:none}
.card.s-placeholder{border-color:color-mix(in srgb,var(--ph) 55%,var(--line))}
.card.s-failed{border-color:var(--fail);box-shadow:0 0 0 1px var(--fail)}
.card.s-missing{border-style:dashed;border-color:var(--miss)}
.card.s-corrupt{border-color:var(--bad);box-shadow:0 0 0 1px var(--bad)}
.thumb{position:relative;margin:0;background:#d9dde3;line-height:0}
.thumb img{width:100%;height:auto;display:block}
.s-placeholder .thumb::after,.s-failed .thumb::after{content:"";position:absolute;inset:0;pointer-events:none;
background:repeating-linear-gradient(135deg,transparent 0 14px,rgb(255 255 255/.22) 14px 28px)}
.s-failed .thumb img{filter:grayscale(.7) contrast(.9)}
.badge{position:absolute;top:10px;left:10px;z-index:1;line-height:1;font-size:11px;font-weight:650;letter-spacing:.05em;
text-transform:uppercase;padding:5px 8px;border-radius:999px;color:#fff;background:var(--ok)}
.s-placeholder .badge{background:#d97706}.s-failed .badge{background:#dc2626}.s-missing .badge{background:#6b7280}
.s-corrupt .badge{background:#7c3aed}
.body{display:flex;flex-direction:column;gap:8px;padding:12px 14px 14px;flex:1}
.sources{list-style:none;margin:0;padding:0}.sources li{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.line{color:var(--muted);font-size:12px}.title{color:var(--muted)}
.prompt{margin:0;display:-webkit-box;-webkit-line-clamp:4;-webkit-box-orient:vertical;overflow:hidden}
.detail{margin:0;font-size:12px;color:var(--ph);display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}.s-failed .detail{color:var(--fail)}.s-missing .detail{color:var(--miss)}
.s-corrupt .detail{color:var(--bad)}
details{font-size:12px;color:var(--muted)}details p{margin:4px 0 0}
.meta{display:grid;grid-template-columns:1fr 1fr;gap:6px 12px;margin:auto 0 0;padding-top:8px;border-top:1px solid var(--line)}
.meta dt{font-size:10.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.meta dd{margin:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.meta .wide{grid-column:1/-1}
.cost{font-variant-numeric:tabular-nums;font-weight:600}
.takes p{margin:0 0 6px;font-size:12px;color:var(--muted)}
.takes ul{display:flex;flex-wrap:wrap;gap:6px;list-style:none;margin:0;padding:0}
.take{position:relative;width:64px;height:40px;border-radius:6px;background:#d9dde3 center/cover no-repeat;border:1px solid var(--line)}
.take span{position:absolute;right:3px;bottom:3px;font-size:10px;line-height:1;padding:2px 4px;border-radius:4px;background:rgb(0 0 0/.6);color:#fff}
.take.current{outline:2px solid var(--accent);outline-offset:1px}.take.ph{opacity:.75}
.empty{padding:40px;text-align:center;color:var(--muted)}
footer{padding:18px 32px 32px;color:var(--muted);font-size:12px}
`;

const SCRIPT = `
(() => {
  const grid = document.getElementById('grid');
  const cards = Array.from(grid.querySelectorAll('.card'));
  const q = document.getElementById('q');
  const status = document.getElementById('status');
  const provider = document.getElementById('provider');
  const sort = document.getElementById('sort');
  const count = document.getElementById('count');
  const empty = document.getElementById('empty');
  const rank = { failed: 0, corrupt: 1, missing: 2, placeholder: 3, ok: 4 };
  const by = {
    file: (a, b) => a.dataset.file.localeCompare(b.dataset.file),
    problems: (a, b) => rank[a.dataset.status] - rank[b.dataset.status] || by.file(a, b),
    newest: (a, b) => (b.dataset.created || '').localeCompare(a.dataset.created || '') || by.file(a, b),
    oldest: (a, b) => (a.dataset.created || '~').localeCompare(b.dataset.created || '~') || by.file(a, b),
    'cost-desc': (a, b) => Number(b.dataset.cost) - Number(a.dataset.cost) || by.file(a, b),
    'cost-asc': (a, b) => costUp(a) - costUp(b) || by.file(a, b),
  };
  const costUp = (card) => (Number(card.dataset.cost) < 0 ? Infinity : Number(card.dataset.cost));
  function filter() {
    const words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const card of cards) {
      const match =
        words.every((word) => card.dataset.search.includes(word)) &&
        (!status.value || card.dataset.status === status.value) &&
        (!provider.value || card.dataset.provider === provider.value);
      card.hidden = !match;
      if (match) shown++;
    }
    count.textContent = shown + ' of ' + cards.length;
    empty.hidden = shown > 0;
  }
  function order() {
    for (const card of cards.slice().sort(by[sort.value] || by.file)) grid.appendChild(card);
  }
  q.addEventListener('input', filter);
  status.addEventListener('change', filter);
  provider.addEventListener('change', filter);
  sort.addEventListener('change', order);
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && document.activeElement !== q) { event.preventDefault(); q.focus(); }
    if (event.key === 'Escape' && document.activeElement === q) { q.value = ''; filter(); }
  });
  order();
  filter();
})();
`;
