import { describe, expect, it } from 'vitest';
import { parseFrontmatter } from '../src/scan/parse-frontmatter.js';
import { parseHeroField } from '../src/scan/parse-hero-field.js';

const context = { file: 'src/content/post.md', line: 3, field: 'hero' };

/** Parse a hero written as YAML lines under `hero:` (line 3 of the file). */
function parseYamlHero(lines: string[], options: { strictAlt?: boolean } = {}) {
  const source = [
    '---',
    'title: Post',
    'hero:',
    ...lines.map((line) => `  ${line}`),
    '---',
    '',
  ].join('\n');
  const parsed = parseFrontmatter(source, context.file);
  if (!parsed) throw new Error('no frontmatter');
  return parseHeroField(parsed.data.hero, { ...context, ...options, lines: parsed.lineOf });
}

describe('parseHeroField: valid heroes', () => {
  it('expands a prompt string, warning about the missing alt and using the prompt as alt', () => {
    const result = parseHeroField('  A lighthouse at dusk  ', context);
    expect(result.errors).toEqual([]);
    expect(result.spec).toEqual({
      prompt: 'A lighthouse at dusk',
      alt: 'A lighthouse at dusk',
      auto: false,
      decorative: false,
    });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]?.code).toBe('CONTENT_INVALID');
    expect(result.warnings[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 3,
      field: 'hero.alt',
    });
  });

  it('turns hero: auto (and prompt: auto) into an auto hero', () => {
    expect(parseHeroField('auto', context).spec).toEqual({ auto: true, decorative: false });
    const object = parseYamlHero(['prompt: auto', 'alt: Cover art']);
    expect(object.spec).toEqual({ auto: true, decorative: false, alt: 'Cover art' });
    expect(parseYamlHero(['auto: true', 'decorative: true']).spec).toEqual({
      auto: true,
      decorative: true,
    });
  });

  it('accepts every documented field in the object form', () => {
    const result = parseYamlHero([
      'prompt: A split keyboard on a desk',
      'alt: A split keyboard',
      'aspect: "3:2"',
      'size: 1536x1024',
      'resolution: 2K',
      'quality: high',
      'model: gpt-image-2',
      'provider: my-provider',
      'format: webp',
      'background: transparent',
      'style: false',
      'variant: 2',
      'references: [./sketch.png, assets/ref.jpg]',
    ]);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.spec).toEqual({
      prompt: 'A split keyboard on a desk',
      alt: 'A split keyboard',
      auto: false,
      decorative: false,
      aspect: '3:2',
      size: '1536x1024',
      resolution: '2K',
      quality: 'high',
      model: 'gpt-image-2',
      provider: 'my-provider',
      format: 'webp',
      background: 'transparent',
      style: false,
      variant: 2,
      references: ['./sketch.png', 'assets/ref.jpg'],
    });
  });

  it('treats null, absent and false as "no hero", and empty nested values as unset', () => {
    for (const value of [null, undefined, false]) {
      expect(parseHeroField(value, context)).toEqual({ errors: [], warnings: [] });
    }
    const result = parseYamlHero(['prompt: A cat', 'alt:', 'decorative: true']);
    expect(result.spec).toEqual({ prompt: 'A cat', auto: false, decorative: true });
    expect(result.warnings).toEqual([]);
  });

  it('keeps newlines in a block prompt, trimmed', () => {
    const result = parseYamlHero(['prompt: |', '  Line one', '  Line two', 'alt: x']);
    expect(result.spec?.prompt).toBe('Line one\nLine two');
  });
});

describe('parseHeroField: bad input names file, line and field', () => {
  it('rejects a number', () => {
    const result = parseHeroField(42, context);
    expect(result.spec).toBeUndefined();
    expect(result.errors[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 3,
      field: 'hero',
    });
    expect(result.errors[0]?.message).toContain('got the number 42');
  });

  it('rejects a list', () => {
    const result = parseYamlHero(['- one', '- two']);
    expect(result.errors[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 3,
      field: 'hero',
    });
    expect(result.errors[0]?.message).toContain('got a list');
  });

  it('rejects an empty or whitespace prompt', () => {
    expect(parseHeroField('   ', context).errors[0]?.message).toContain('prompt is empty');
    const result = parseYamlHero(['alt: A cat', 'prompt: "  "']);
    expect(result.errors[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 5,
      field: 'hero.prompt',
    });
    expect(result.errors[0]?.message).toContain('prompt is empty');
  });

  it('rejects an object without a prompt', () => {
    const result = parseYamlHero(['alt: A cat']);
    expect(result.errors[0]?.location).toMatchObject({ line: 3, field: 'hero.prompt' });
    expect(result.errors[0]?.message).toContain('prompt is missing');
  });

  it('rejects an aspect outside 1:3..3:1 on its own line', () => {
    const result = parseYamlHero(['prompt: A cat', 'alt: A cat', 'aspect: "5:1"']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 6,
      field: 'hero.aspect',
    });
    expect(result.errors[0]?.message).toBe(
      'aspect "5:1" is outside 1:3..3:1; use e.g. "16:9" or set size: "1536x864"',
    );
  });

  it('rejects an aspect that is not W:H', () => {
    const result = parseYamlHero(['prompt: A cat', 'aspect: 16-9']);
    expect(result.errors[0]?.location).toMatchObject({ line: 5, field: 'hero.aspect' });
    expect(result.errors[0]?.message).toContain('aspect "16-9" is not a ratio');
    expect(parseYamlHero(['prompt: A cat', 'aspect: 1.5']).errors[0]?.message).toContain(
      'aspect must be a quoted ratio like "16:9", got the number 1.5',
    );
  });

  it('rejects a size without a height', () => {
    const result = parseYamlHero(['prompt: A cat', 'alt: cat', 'size: 1920']);
    expect(result.errors[0]?.location).toMatchObject({ line: 6, field: 'hero.size' });
    expect(result.errors[0]?.message).toContain('got the number 1920');
    expect(parseYamlHero(['prompt: A cat', 'size: "1920"']).errors[0]?.message).toContain(
      'size "1920" is not a pixel size',
    );
  });

  it("rejects an unknown field with a suggestion, on that field's line", () => {
    const result = parseYamlHero(['promt: A cat', 'alt: A cat', 'aspectRatio: "1:1"']);
    const messages = result.errors.map((error) => error.message);
    expect(messages).toContain('unknown field "promt" in hero; did you mean "prompt"?');
    expect(messages).toContain('unknown field "aspectRatio" in hero; did you mean "aspect"?');
    const promt = result.errors.find((error) => error.location?.field === 'hero.promt');
    expect(promt?.location?.line).toBe(4);
    expect(promt?.hint).toContain('Known fields: prompt, auto, alt');
  });

  it('rejects a variant of the wrong type', () => {
    const result = parseYamlHero(['prompt: A cat', 'alt: cat', 'variant: two']);
    expect(result.errors[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 6,
      field: 'hero.variant',
    });
    expect(result.errors[0]?.message).toContain(
      'variant must be a whole number, got the string "two"',
    );
    expect(parseYamlHero(['prompt: A cat', 'variant: 1.5']).errors[0]?.message).toContain(
      'whole number',
    );
    expect(parseYamlHero(['prompt: A cat', 'variant: -1']).errors[0]?.message).toContain(
      '0 or more',
    );
  });

  it('rejects enum typos with a suggestion', () => {
    const result = parseYamlHero(['prompt: A cat', 'format: jpg', 'resolution: 2k']);
    const byField = (field: string) =>
      result.errors.find((error) => error.location?.field === field);
    expect(byField('hero.format')?.message).toBe(
      'format must be one of png, webp, jpeg, got the string "jpg"; did you mean "jpeg"?',
    );
    expect(byField('hero.format')?.location?.line).toBe(5);
    expect(byField('hero.resolution')?.message).toContain('did you mean "2K"?');
  });

  it('rejects control characters in the prompt but keeps newlines and tabs', () => {
    const result = parseYamlHero(['prompt: "A cat\\u0007 on a mat"', 'alt: cat']);
    expect(result.errors[0]?.location).toMatchObject({ line: 4, field: 'hero.prompt' });
    expect(result.errors[0]?.message).toContain('control character (U+0007)');
    expect(parseYamlHero(['prompt: "A cat\\ton a\\nmat"', 'alt: cat']).errors).toEqual([]);
  });

  it('points at the exact reference entry that is wrong', () => {
    const result = parseYamlHero([
      'prompt: A cat',
      'alt: cat',
      'references:',
      '  - ./ok.png',
      '  - 12',
    ]);
    expect(result.errors[0]?.location).toMatchObject({ line: 8, field: 'hero.references[1]' });
  });

  it('rejects more than 16 references', () => {
    const refs = Array.from({ length: 17 }, (_, index) => `./r${index}.png`);
    const result = parseHeroField({ prompt: 'A cat', alt: 'cat', references: refs }, context);
    expect(result.errors[0]?.location?.field).toBe('hero.references');
    expect(result.errors[0]?.message).toContain('at most 16');
  });

  it('makes a missing alt an error with strictAlt', () => {
    const result = parseYamlHero(['prompt: A cat'], { strictAlt: true });
    expect(result.spec).toBeUndefined();
    expect(result.warnings).toEqual([]);
    expect(result.errors[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 3,
      field: 'hero.alt',
    });
    expect(result.errors[0]?.message).toContain('strictAlt');
  });

  it('uses a custom field name in locations and messages', () => {
    const result = parseHeroField(7, { ...context, field: 'cover' });
    expect(result.errors[0]?.location?.field).toBe('cover');
    expect(result.errors[0]?.message).toContain('cover must be a prompt');
  });
});

describe('a field shared with the site’s own images', () => {
  const context = { file: 'src/content/a.md', line: 3, field: 'heroImage' };
  it.each([
    '../../assets/cover.png',
    './hero.JPG',
    '/images/a.webp',
    'https://example.com/a.avif',
    'cover.svg',
  ])('leaves the image path %s alone instead of taking it for a prompt', (value) => {
    const result = parseHeroField(value, context);
    expect(result.spec).toBeUndefined();
    expect(result.errors).toEqual([]);
  });

  it('still takes a sentence that mentions an image file for a prompt', () => {
    const result = parseHeroField('A poster titled report.png on a wall', context);
    expect(result.spec?.prompt).toBe('A poster titled report.png on a wall');
  });
});

describe('parseHeroField: image mode (the site image field, e.g. heroImage)', () => {
  const image = {
    file: 'src/content/post.md',
    line: 5,
    field: 'heroImage',
    mode: 'image' as const,
  };

  it('never reads a plain string as a prompt: a path is the site image, prose is an error', () => {
    for (const path of [
      '../../assets/cover.png',
      './my photo.JPG',
      '~/assets/a',
      'https://x.example/a',
    ]) {
      expect(parseHeroField(path, image), path).toEqual({ errors: [], warnings: [] });
    }
    const result = parseHeroField('A lighthouse at dusk, watercolor', image);
    expect(result.spec).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors;
    expect(error?.location).toEqual({ file: 'src/content/post.md', line: 5, field: 'heroImage' });
    expect(error?.message).toBe(
      'heroImage is "A lighthouse at dusk, watercolor", which is not an image file; heroImage holds the site\'s own image path, so herogen does not read a plain string there as a prompt',
    );
    expect(error?.hint).toContain('heroImage:\n  prompt: "A lighthouse at dusk, watercolor"');
  });

  it('takes a string naming an existing file for the site image, and `auto` for a request', () => {
    expect(parseHeroField('cover', { ...image, isFile: (path) => path === 'cover' })).toEqual({
      errors: [],
      warnings: [],
    });
    expect(parseHeroField('auto', image).spec).toEqual({ auto: true, decorative: false });
  });

  it('generates an object with a prompt, and says where the fallback alt goes', () => {
    const result = parseHeroField({ prompt: 'A lighthouse' }, image);
    expect(result.spec?.prompt).toBe('A lighthouse');
    expect(result.warnings[0]?.message).toBe(
      'heroImage has no alt text; the prompt is used as alt for now (`heroImageAlt` in Astro)',
    );
  });
});
