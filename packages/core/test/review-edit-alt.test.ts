import { describe, expect, it } from 'vitest';
import { replaceAlt } from '../src/review/edit-alt.js';

const edit = async (source: string, alt: string, field = 'hero') =>
  (await replaceAlt(source, 'post.md', field, alt)).text;

describe('replaceAlt', () => {
  it('changes only the alt value: comments, quotes, order, other fields and the body stay', async () => {
    const source = [
      '---',
      '# a comment',
      "title:   'Odd  spacing'   # kept",
      'tags: [a, b]',
      'hero:',
      '  prompt: >-',
      '    A folded prompt',
      '    over two lines',
      "  alt: 'A fox'  # trailing",
      '  aspect: "16:9"',
      'date: 2026-01-01',
      '---',
      '',
      'alt: not frontmatter',
      '',
    ].join('\n');
    const edited = await edit(source, "A fox's den");
    expect(edited).toBe(source.replace("alt: 'A fox'", "alt: 'A fox''s den'"));
  });

  it('keeps CRLF line endings and a BOM, and the double-quote style', async () => {
    const source = '\uFEFF---\r\nhero:\r\n  prompt: A cat\r\n  alt: "Old"\r\n---\r\nBody\r\n';
    expect(await edit(source, 'New "one"')).toBe(source.replace('"Old"', '"New \\"one\\""'));
  });

  it('adds an alt line after the prompt when there is none', async () => {
    const source =
      '---\nhero:\n  prompt: |\n    A cat\n    on a mat\n  aspect: "1:1"\ntitle: T\n---\n';
    expect(await edit(source, 'A cat')).toBe(
      '---\nhero:\n  prompt: |\n    A cat\n    on a mat\n  alt: A cat\n  aspect: "1:1"\ntitle: T\n---\n',
    );
  });

  it('quotes what plain YAML would misread, and edits a flow map in place', async () => {
    const plain = '---\nhero: { prompt: A dog, alt: old }\n---\n';
    expect(await edit(plain, 'true')).toBe('---\nhero: { prompt: A dog, alt: "true" }\n---\n');
    expect(await edit(plain, '- a: b #c')).toBe(
      '---\nhero: { prompt: A dog, alt: "- a: b #c" }\n---\n',
    );
  });

  it('the same text is no change; the prompt is never touched', async () => {
    const source = '---\nhero:\n  prompt: A fox\n  alt: A fox\n---\n';
    expect(await edit(source, 'A fox')).toBe(source);
    expect(await edit(source, 'Another')).toBe(source.replace('alt: A fox', 'alt: Another'));
  });

  it('refuses what it cannot edit without touching other bytes', async () => {
    await expect(edit('+++\n[hero]\nprompt = "A"\n+++\n', 'x')).rejects.toThrow(/YAML/);
    await expect(edit('---\nhero: A prompt only\n---\n', 'x')).rejects.toThrow(/not a map/);
    await expect(edit('No frontmatter', 'x')).rejects.toThrow(/no frontmatter/);
    await expect(edit('---\nhero: { prompt: A }\n---\n', 'x')).rejects.toThrow(/one line/);
  });
});
