import { describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { parseFrontmatter } from '../src/scan/parse-frontmatter.js';

function parseError(source: string, file = 'src/content/post.md'): HerogenError {
  try {
    parseFrontmatter(source, file);
  } catch (error) {
    if (HerogenError.is(error)) return error;
    throw error;
  }
  throw new Error('expected parseFrontmatter to throw');
}

describe('parseFrontmatter', () => {
  it('parses YAML and maps nested values to file lines', () => {
    const source = [
      '---',
      'title: Split keyboards',
      'hero:',
      '  prompt: A split keyboard',
      '  aspect: "5:1"',
      '  references:',
      '    - ./a.png',
      '    - ./b.png',
      '---',
      '# Body',
    ].join('\n');
    const parsed = parseFrontmatter(source, 'post.md');
    expect(parsed?.format).toBe('yaml');
    expect(parsed?.data).toEqual({
      title: 'Split keyboards',
      hero: { prompt: 'A split keyboard', aspect: '5:1', references: ['./a.png', './b.png'] },
    });
    expect(parsed?.lineOf(['title'])).toBe(2);
    expect(parsed?.lineOf(['hero'])).toBe(3);
    expect(parsed?.lineOf(['hero', 'aspect'])).toBe(5);
    expect(parsed?.lineOf(['hero', 'references', 1])).toBe(8);
    expect(parsed?.lineOf(['hero', 'missing'])).toBeUndefined();
  });

  it('handles a BOM and CRLF line ends', () => {
    const source =
      '\uFEFF---\r\ntitle: Windows\r\nhero:\r\n  prompt: A desk\r\n  alt: A desk\r\n---\r\nBody\r\n';
    const parsed = parseFrontmatter(source, 'post.md');
    expect(parsed?.data).toEqual({ title: 'Windows', hero: { prompt: 'A desk', alt: 'A desk' } });
    expect(parsed?.lineOf(['hero'])).toBe(3);
    expect(parsed?.lineOf(['hero', 'alt'])).toBe(5);
  });

  it('parses TOML between +++ and finds lines of tables, keys and dotted keys', () => {
    const source = [
      '+++',
      'title = "TOML post"',
      '',
      '[hero]',
      'prompt = "A lighthouse"',
      'aspect = "5:1"',
      '+++',
      'Body',
    ].join('\n');
    const parsed = parseFrontmatter(source, 'post.md');
    expect(parsed?.format).toBe('toml');
    expect(parsed?.data).toEqual({
      title: 'TOML post',
      hero: { prompt: 'A lighthouse', aspect: '5:1' },
    });
    expect(parsed?.lineOf(['hero'])).toBe(4);
    expect(parsed?.lineOf(['hero', 'aspect'])).toBe(6);
    const dotted = parseFrontmatter(
      '+++\ntitle = "x"\nhero.prompt = "A cat"\nhero.alt = "cat"\n+++\n',
      'p.md',
    );
    expect(dotted?.lineOf(['hero'])).toBe(3);
    expect(dotted?.lineOf(['hero', 'alt'])).toBe(4);
  });

  it('reads YAML like Astro does: merge keys and unquoted ratios', () => {
    const source =
      '---\nbase: &base\n  aspect: 16:9\n  alt: Shared\nhero:\n  <<: *base\n  prompt: A cat\n---\n';
    expect(parseFrontmatter(source, 'a.md')?.data.hero).toEqual({
      aspect: '16:9',
      alt: 'Shared',
      prompt: 'A cat',
    });
  });

  it('returns undefined for a file without frontmatter, and {} for an empty block', () => {
    expect(parseFrontmatter('# Just a title\n\n---\n', 'a.md')).toBeUndefined();
    expect(parseFrontmatter('---\n---\nBody', 'a.md')?.data).toEqual({});
  });

  it('reports unterminated frontmatter on line 1', () => {
    const error = parseError('---\ntitle: Never closed\nhero: A cat\n\nBody text\n');
    expect(error.code).toBe('CONTENT_INVALID');
    expect(error.location).toEqual({ file: 'src/content/post.md', line: 1 });
    expect(error.message).toContain('never closed');
  });

  it('reports a YAML syntax error with its file line and column', () => {
    const error = parseError(['---', 'title: ok', 'hero:', '  prompt: a: b', '---'].join('\n'));
    expect(error.code).toBe('CONTENT_INVALID');
    expect(error.location).toMatchObject({ file: 'src/content/post.md', line: 4 });
    expect(error.location?.column).toBeGreaterThan(0);
    expect(error.message).toContain('YAML frontmatter is invalid');
    expect(error.hint).toContain('quote');
  });

  it('reports duplicate keys as a YAML error', () => {
    const error = parseError('---\nhero: A\nhero: B\n---\n');
    expect(error.location?.line).toBe(3);
    expect(error.message).toContain('duplicated mapping key');
  });

  it('reports a TOML syntax error with its file line', () => {
    const error = parseError('+++\ntitle = "x"\n[hero]\nprompt = \n+++\n');
    expect(error.code).toBe('CONTENT_INVALID');
    expect(error.location?.line).toBe(4);
    expect(error.message).toContain('TOML frontmatter is invalid');
  });

  it('rejects frontmatter that is a list instead of fields', () => {
    const error = parseError('---\n- a\n- b\n---\n');
    expect(error.message).toContain('not a set of fields');
  });
});
