import { heroes } from 'virtual:herogen';
import type { HeroImage } from '@herogen/vite/hero';

export interface Post {
  slug: string;
  title: string;
  date: string;
  description: string;
  /** Paragraphs and `## ` headings, already escaped. */
  html: string;
  hero: HeroImage | undefined;
}

const raw = import.meta.glob<string>('../posts/*.md', {
  query: '?raw',
  import: 'default',
  eager: true,
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Just enough Markdown for the example: top-level `key: value` frontmatter, headings, paragraphs. */
function parse(path: string, source: string): Post {
  const match = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(source);
  const front = match?.[1] ?? '';
  const body = match?.[2] ?? source;
  const field = (name: string) =>
    new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(front)?.[1]?.trim() ?? '';
  const html = body
    .trim()
    .split(/\n{2,}/)
    .map((block) =>
      block.startsWith('## ')
        ? `<h2>${escapeHtml(block.slice(3))}</h2>`
        : `<p>${escapeHtml(block.replace(/\n/g, ' '))}</p>`,
    )
    .join('\n');
  const file = path.replace(/^\.\.\//, '');
  return {
    slug: file.replace(/^posts\//, '').replace(/\.md$/, ''),
    title: field('title'),
    date: field('date'),
    description: field('description'),
    html,
    hero: heroes[file],
  };
}

export const posts: Post[] = Object.entries(raw)
  .map(([path, source]) => parse(path, source))
  .sort((a, b) => (a.date < b.date ? 1 : -1));

export function formatDate(date: string): string {
  return new Date(`${date}T00:00:00`).toLocaleDateString('en', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}
