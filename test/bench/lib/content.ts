/**
 * Generated blog content for the benchmarks: realistic posts (frontmatter with a hero prompt and
 * a body of a few paragraphs), each with a distinct prompt, in a deterministic order.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SUBJECTS = [
  'a split mechanical keyboard',
  'a lighthouse on a basalt cliff',
  'a greenhouse full of ferns',
  'a vintage espresso machine',
  'a night market in the rain',
  'a field of sunflowers',
  'a server rack with blue cables',
  'a bowl of ramen',
  'a sailboat in a calm bay',
  'a reading nook with a tall bookshelf',
  'a mountain hut in fresh snow',
  'a workbench with hand tools',
];
const STYLES = [
  'soft window light, overhead flat-lay',
  'golden hour, wide angle',
  'isometric illustration, pastel palette',
  'moody film photograph, shallow depth of field',
  'clean vector illustration, bold shapes',
  'watercolour, loose brushwork',
];

/** A distinct, plausible prompt for post `index`. */
export function promptFor(index: number): string {
  const subject = SUBJECTS[index % SUBJECTS.length]!;
  const style = STYLES[Math.floor(index / SUBJECTS.length) % STYLES.length]!;
  return `${subject}, ${style}, scene ${index}`;
}

const PARAGRAPH =
  'Hero images set the tone of a post before the first sentence is read. This paragraph is ' +
  'filler of a realistic length, so that reading a file costs what it would on a real blog: ' +
  'frontmatter first, then a body of several hundred words that the scanner never needs.';

export function postSlug(index: number): string {
  return `post-${String(index).padStart(5, '0')}`;
}

/** The Markdown source of post `index`; `heroLines` replaces the default `hero:` block. */
export function postSource(index: number, heroLines?: string[]): string {
  const hero = heroLines ?? [
    'hero:',
    `  prompt: "${promptFor(index)}"`,
    `  alt: "Illustration for post ${index}"`,
  ];
  const day = String((index % 28) + 1).padStart(2, '0');
  return [
    '---',
    `title: "Post ${index}: notes on ${SUBJECTS[index % SUBJECTS.length]}"`,
    `description: "A benchmark post, number ${index}."`,
    `pubDate: 2025-03-${day}`,
    'tags: [bench, herogen]',
    ...hero,
    '---',
    '',
    `# Post ${index}`,
    '',
    PARAGRAPH,
    '',
    PARAGRAPH,
    '',
    PARAGRAPH,
    '',
  ].join('\n');
}

/** Write `count` posts into `dir` (flat, like a typical `src/content/blog`). */
export async function writePosts(
  dir: string,
  count: number,
  heroFor?: (index: number) => string[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const writes: Promise<void>[] = [];
    for (let index = start; index < Math.min(count, start + batch); index++) {
      writes.push(
        writeFile(path.join(dir, `${postSlug(index)}.md`), postSource(index, heroFor?.(index))),
      );
    }
    await Promise.all(writes);
  }
}
