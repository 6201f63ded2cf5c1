import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import type { HerogenError } from '../src/errors.js';
import { scanContent } from '../src/scan/scan-content.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

let project: TempProject;
beforeEach(async () => {
  project = await createTempProject();
});
afterEach(async () => {
  await project.cleanup();
});

const config = (overrides: Record<string, unknown> = {}) =>
  resolveConfig({ root: project.root, fileConfig: overrides, env: {} });

const scan = (overrides: Record<string, unknown> = {}) =>
  scanContent({ root: project.root, config: config(overrides) });

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Bytes that start like a real image of `type` (references are sniffed by their magic bytes). */
const image = (type: 'png' | 'webp', label: string) =>
  Buffer.concat([
    type === 'png'
      ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      : Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'),
    Buffer.from(label),
  ]);

function only(errors: HerogenError[], file: string): HerogenError {
  const found = errors.filter((error) => error.location?.file === file);
  expect(found, `errors for ${file}: ${errors.map((e) => e.message).join(' | ')}`).toHaveLength(1);
  return found[0]!;
}

describe('scanContent: finding heroes', () => {
  it('finds heroes in nested md, mdx and mdoc files, sorted, with lines, titles and shorthand', async () => {
    await project.write(
      'src/content/blog/2024/split-keyboard.md',
      '---\ntitle: Split keyboards\ndescription: Why two halves\nhero:\n  prompt: A split keyboard\n  alt: A keyboard\n---\n# Body\n',
    );
    await project.write(
      'src/content/blog/auto.mdx',
      '---\ntitle: Auto\nhero: auto\n---\nimport X from "x";\n',
    );
    await project.write(
      'src/content/docs/guide.mdoc',
      '---\nhero: A lighthouse at dusk\n---\n{% tag %}\n',
    );
    await project.write('src/content/blog/no-frontmatter.md', '# Nothing here\n');
    await project.write('src/content/blog/no-hero.md', '---\ntitle: Plain\n---\n');
    await project.write('src/content/blog/null-hero.md', '---\ntitle: Plain\nhero:\n---\n');
    await project.write('src/content/blog/notes.txt', '---\nhero: not content\n---\n');

    const result = await scan();
    expect(result.errors).toEqual([]);
    expect(result.files).toBe(6);
    expect(result.heroes.map((hero) => hero.file)).toEqual([
      'src/content/blog/2024/split-keyboard.md',
      'src/content/blog/auto.mdx',
      'src/content/docs/guide.mdoc',
    ]);
    expect(result.heroes[0]).toEqual({
      file: 'src/content/blog/2024/split-keyboard.md',
      line: 4,
      field: 'hero',
      spec: { prompt: 'A split keyboard', alt: 'A keyboard', auto: false, decorative: false },
      references: [],
      title: 'Split keyboards',
      description: 'Why two halves',
    });
    expect(result.heroes[1]?.spec).toEqual({ auto: true, decorative: false });
    expect(result.heroes[2]).toMatchObject({ line: 2, spec: { prompt: 'A lighthouse at dusk' } });
    // The two heroes without alt text warn, pointing at their hero line.
    expect(
      result.warnings.map((w) => [w.location?.file, w.location?.line, w.location?.field]),
    ).toEqual([
      ['src/content/blog/auto.mdx', 3, 'hero.alt'],
      ['src/content/docs/guide.mdoc', 2, 'hero.alt'],
    ]);
  });

  it('ignores node_modules, dist and .astro even when the glob matches them', async () => {
    await project.write('content/a.md', '---\nhero: A cat\n---\n');
    await project.write('content/node_modules/pkg/readme.md', '---\nhero: A dog\n---\n');
    await project.write('content/dist/b.md', '---\nhero: A dog\n---\n');
    await project.write('content/.astro/c.md', '---\nhero: A dog\n---\n');
    const result = await scan({ content: 'content/**/*.md' });
    expect(result.files).toBe(1);
    expect(result.heroes.map((hero) => hero.file)).toEqual(['content/a.md']);
  });

  it('reads TOML frontmatter, CRLF files with a BOM, and a custom field name', async () => {
    await project.write(
      'src/content/toml.md',
      '+++\ntitle = "TOML"\n\n[cover]\nprompt = "A red barn"\nalt = "A barn"\naspect = "4:3"\n+++\nBody\n',
    );
    await project.write(
      'src/content/crlf.md',
      '\uFEFF---\r\ntitle: CRLF\r\ncover:\r\n  prompt: |\r\n    A desk\r\n    at night\r\n  alt: A desk\r\n---\r\nBody\r\n',
    );
    const result = await scan({ field: 'cover' });
    expect(result.errors).toEqual([]);
    const [crlf, toml] = result.heroes;
    expect(crlf).toMatchObject({
      file: 'src/content/crlf.md',
      line: 3,
      field: 'cover',
      title: 'CRLF',
    });
    expect(crlf?.spec.prompt).toBe('A desk\nat night');
    expect(toml).toMatchObject({ file: 'src/content/toml.md', line: 4, title: 'TOML' });
    expect(toml?.spec).toEqual({
      prompt: 'A red barn',
      alt: 'A barn',
      aspect: '4:3',
      auto: false,
      decorative: false,
    });
  });

  it('reads frontmatter longer than the first read, and ignores huge bodies', async () => {
    const long = 'x'.repeat(40_000);
    await project.write(
      'src/content/long.md',
      `---\ntitle: Long\nnotes: "${long}"\nhero:\n  prompt: A long one\n  alt: long\n---\n${'body '.repeat(100_000)}`,
    );
    await project.write(
      'src/content/big-body.md',
      `---\nhero:\n  prompt: Short\n  alt: s\n---\n${'é'.repeat(50_000)}`,
    );
    const result = await scan();
    expect(result.errors).toEqual([]);
    expect(result.heroes.map((hero) => [hero.file, hero.line, hero.spec.prompt])).toEqual([
      ['src/content/big-body.md', 2, 'Short'],
      ['src/content/long.md', 4, 'A long one'],
    ]);
  });

  it('reports every bad file with file, line and field, and still returns the good heroes', async () => {
    await project.write('src/content/a-good.md', '---\nhero:\n  prompt: Good\n  alt: Good\n---\n');
    await project.write(
      'src/content/b-yaml.md',
      '---\ntitle: ok\nhero:\n  prompt: "unclosed\n  alt: x\n---\n',
    );
    await project.write(
      'src/content/c-unterminated.md',
      '---\nhero: A cat\n\nBody without a closing fence\n',
    );
    await project.write('src/content/d-number.md', '---\ntitle: t\nhero: 42\n---\n');
    await project.write(
      'src/content/e-aspect.md',
      '---\nhero:\n  prompt: A cat\n  alt: cat\n  aspect: "5:1"\n---\n',
    );
    await project.write(
      'src/content/f-unknown.md',
      '---\nhero:\n  prompt: A cat\n  alt: cat\n  qualty: high\n---\n',
    );
    await project.write(
      'src/content/g-variant.md',
      '---\nhero:\n  prompt: A cat\n  alt: cat\n  variant: "1"\n---\n',
    );
    await project.write('src/content/h-empty.md', '---\nhero:\n  prompt: ""\n  alt: cat\n---\n');
    await project.write(
      'src/content/i-size.md',
      '---\nhero:\n  prompt: A cat\n  alt: cat\n  size: 1920\n---\n',
    );

    const result = await scan();
    expect(result.heroes.map((hero) => hero.file)).toEqual(['src/content/a-good.md']);
    expect(result.files).toBe(9);

    const yaml = only(result.errors, 'src/content/b-yaml.md');
    expect(yaml.message).toContain('YAML frontmatter is invalid');
    expect(yaml.message).toContain('never closed');
    expect(yaml.location?.line).toBeGreaterThanOrEqual(4);
    expect(yaml.location?.column).toBeGreaterThan(0);

    expect(only(result.errors, 'src/content/c-unterminated.md').location).toEqual({
      file: 'src/content/c-unterminated.md',
      line: 1,
    });
    expect(only(result.errors, 'src/content/d-number.md').location).toEqual({
      file: 'src/content/d-number.md',
      line: 3,
      field: 'hero',
    });
    const aspect = only(result.errors, 'src/content/e-aspect.md');
    expect(aspect.location).toEqual({
      file: 'src/content/e-aspect.md',
      line: 5,
      field: 'hero.aspect',
    });
    expect(aspect.message).toContain('outside 1:3..3:1');
    const unknown = only(result.errors, 'src/content/f-unknown.md');
    expect(unknown.location).toEqual({
      file: 'src/content/f-unknown.md',
      line: 5,
      field: 'hero.qualty',
    });
    expect(unknown.message).toContain('did you mean "quality"?');
    expect(only(result.errors, 'src/content/g-variant.md').location).toEqual({
      file: 'src/content/g-variant.md',
      line: 5,
      field: 'hero.variant',
    });
    expect(only(result.errors, 'src/content/h-empty.md').location).toEqual({
      file: 'src/content/h-empty.md',
      line: 3,
      field: 'hero.prompt',
    });
    expect(only(result.errors, 'src/content/i-size.md').location).toEqual({
      file: 'src/content/i-size.md',
      line: 5,
      field: 'hero.size',
    });
    expect(result.errors.every((error) => error.code === 'CONTENT_INVALID')).toBe(true);
  });

  it('turns a missing alt into an error with strictAlt', async () => {
    await project.write('src/content/post.md', '---\ntitle: t\nhero:\n  prompt: A cat\n---\n');
    const lenient = await scan();
    expect(lenient.heroes).toHaveLength(1);
    expect(lenient.heroes[0]?.spec.alt).toBe('A cat');
    expect(lenient.warnings[0]?.location).toEqual({
      file: 'src/content/post.md',
      line: 3,
      field: 'hero.alt',
    });

    const strict = await scan({ strictAlt: true });
    expect(strict.heroes).toEqual([]);
    expect(strict.warnings).toEqual([]);
    expect(only(strict.errors, 'src/content/post.md').location).toEqual({
      file: 'src/content/post.md',
      line: 3,
      field: 'hero.alt',
    });
  });

  it('logs when no file matches, and stops when aborted', async () => {
    const messages: string[] = [];
    const logger = { debug() {}, info: (m: string) => messages.push(m), warn() {}, error() {} };
    const empty = await scanContent({
      root: project.root,
      config: config({ content: 'posts/**/*.md' }),
      logger,
    });
    expect(empty).toEqual({ heroes: [], files: 0, errors: [], warnings: [] });
    expect(messages[0]).toContain('no content files match "posts/**/*.md"');
    await project.write('src/content/a.md', '---\nhero: A cat\n---\n');
    const controller = new AbortController();
    controller.abort();
    await expect(
      scanContent({ root: project.root, config: config(), signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });

  it('does not parse files whose frontmatter never mentions the field', async () => {
    // Broken YAML without a hero is Astro's to report; the fast path must not even parse it.
    await project.write('src/content/other.md', '---\ntitle: "unclosed\n---\n');
    const result = await scan();
    expect(result).toEqual({ heroes: [], files: 1, errors: [], warnings: [] });
  });
});

describe('scanContent: content outside the root', () => {
  it('never reads a file a ../ glob or a symlinked folder leads to', async () => {
    const outside = await createTempProject('herogen-outside-');
    try {
      await writeFile(join(outside.root, 'post.md'), '---\nhero: A canary outside\n---\n');
      await project.write('src/content/ok.md', '---\nhero: A boat\n---\n');
      await symlink(outside.root, join(project.root, 'src/content/linked'));
      const relative = `../${basename(outside.root)}/*.md`;
      const result = await scan({ content: ['src/content/**/*.md', relative] });
      expect(result.heroes.map((hero) => hero.file)).toEqual(['src/content/ok.md']);
      expect(result.files).toBe(1);
      expect(result.errors.map((error) => error.code)).toEqual([
        'PATH_OUTSIDE_ROOT',
        'PATH_OUTSIDE_ROOT',
      ]);
      const messages = result.errors.map((error) => error.message).join('\n');
      expect(messages).toContain('symlink');
      expect(messages).toContain(`glob "${relative}" points outside the project root`);
    } finally {
      await outside.cleanup();
    }
  });
});

describe('scanContent: reference images', () => {
  const hero = (refs: string[]) =>
    `---\nhero:\n  prompt: A cat\n  alt: cat\n  references:\n${refs.map((ref) => `    - ${JSON.stringify(ref)}`).join('\n')}\n---\n`;

  it('resolves ./ and ../ against the content file and others against the root, hashing each once', async () => {
    await project.write('src/content/blog/sketch.png', image('png', 'sketch-bytes'));
    await project.write('src/content/shared.png', image('png', 'shared-bytes'));
    await project.write('assets/refs/style.webp', image('webp', 'style-bytes'));
    await project.write(
      'src/content/blog/post.md',
      hero(['./sketch.png', '../shared.png', 'assets/refs/style.webp']),
    );
    await project.write('src/content/blog/other.md', hero(['assets/refs/style.webp']));

    const result = await scan();
    expect(result.errors).toEqual([]);
    const post = result.heroes.find((h) => h.file === 'src/content/blog/post.md');
    expect(post?.references).toEqual([
      { path: 'src/content/blog/sketch.png', sha256: sha256(image('png', 'sketch-bytes')) },
      { path: 'src/content/shared.png', sha256: sha256(image('png', 'shared-bytes')) },
      { path: 'assets/refs/style.webp', sha256: sha256(image('webp', 'style-bytes')) },
    ]);
    expect(post?.spec.references).toEqual([
      './sketch.png',
      '../shared.png',
      'assets/refs/style.webp',
    ]);
    const other = result.heroes.find((h) => h.file === 'src/content/blog/other.md');
    expect(other?.references).toEqual([
      { path: 'assets/refs/style.webp', sha256: sha256(image('webp', 'style-bytes')) },
    ]);
  });

  it('refuses a reference that climbs out of the root, naming its line', async () => {
    await project.write('posts/post.md', hero(['../../etc/passwd']));
    // From src/content/ the same path stays inside the root: it is just missing there.
    await project.write('src/content/post.md', hero(['../../etc/passwd']));
    const result = await scan({ content: ['posts/*.md', 'src/content/*.md'] });
    expect(result.heroes).toEqual([]);
    const error = only(result.errors, 'posts/post.md');
    expect(error.code).toBe('PATH_OUTSIDE_ROOT');
    expect(error.location).toEqual({ file: 'posts/post.md', line: 6, field: 'hero.references[0]' });
    expect(error.message).toContain('"../../etc/passwd" points outside the project root');
    expect(only(result.errors, 'src/content/post.md').code).toBe('REFERENCE_INVALID');
  });

  it('refuses an absolute path outside the root', async () => {
    await project.write('src/content/post.md', hero(['/etc/passwd']));
    const error = only((await scan()).errors, 'src/content/post.md');
    expect(error.code).toBe('PATH_OUTSIDE_ROOT');
    expect(error.location?.field).toBe('hero.references[0]');
  });

  it('refuses a symlink inside the root that points outside it, without reading it', async () => {
    const outside = await createTempProject('herogen-outside-');
    try {
      await writeFile(join(outside.root, 'secret.png'), 'secret');
      await mkdir(join(project.root, 'assets'), { recursive: true });
      await symlink(join(outside.root, 'secret.png'), join(project.root, 'assets', 'linked.png'));
      await symlink(outside.root, join(project.root, 'assets', 'linked-dir'));
      await project.write(
        'src/content/post.md',
        hero(['assets/ok.png', 'assets/linked.png', 'assets/linked-dir/secret.png']),
      );
      await project.write('assets/ok.png', image('png', 'ok'));
      const result = await scan();
      expect(result.heroes).toEqual([]);
      const errors = result.errors.filter(
        (error) => error.location?.file === 'src/content/post.md',
      );
      expect(
        errors.map((error) => [error.code, error.location?.line, error.location?.field]),
      ).toEqual([
        ['PATH_OUTSIDE_ROOT', 7, 'hero.references[1]'],
        ['PATH_OUTSIDE_ROOT', 8, 'hero.references[2]'],
      ]);
      expect(errors[0]?.message).toContain('symlink');
    } finally {
      await outside.cleanup();
    }
  });

  it('refuses a reference that is not a PNG, JPEG or WebP image before anything is paid', async () => {
    await project.write('assets/notes.png', 'just text');
    await project.write('assets/anim.png', Buffer.from('GIF89a-animation'));
    await project.write('src/content/post.md', hero(['assets/notes.png', 'assets/anim.png']));
    const errors = (await scan()).errors;
    expect(errors.map((error) => [error.code, error.location?.field])).toEqual([
      ['REFERENCE_INVALID', 'hero.references[0]'],
      ['REFERENCE_INVALID', 'hero.references[1]'],
    ]);
    expect(errors[0]?.message).toContain('is not an image');
    expect(errors[1]?.message).toContain('a GIF image');
  });

  it('reports a missing reference and a directory as REFERENCE_INVALID', async () => {
    await mkdir(join(project.root, 'assets', 'folder'), { recursive: true });
    await project.write(
      'src/content/post.md',
      hero(['./missing.png', 'assets/folder', 'https://example.com/a.png']),
    );
    const errors = (await scan()).errors;
    expect(
      errors.map((error) => [error.code, error.location?.line, error.location?.field]),
    ).toEqual([
      ['REFERENCE_INVALID', 6, 'hero.references[0]'],
      ['REFERENCE_INVALID', 7, 'hero.references[1]'],
      ['REFERENCE_INVALID', 8, 'hero.references[2]'],
    ]);
    expect(errors[2]?.message).toContain('is a URL');
    expect(errors[0]?.message).toContain('not found (looked for src/content/missing.png)');
    expect(errors[0]?.hint).toContain('relative to this content file');
    expect(errors[1]?.message).toContain('not a file');
  });
});

describe('scanContent: several fields and image mode', () => {
  it('finds a hero in each configured field, in config order, and skips site image paths', async () => {
    await project.write(
      'src/content/both.md',
      '---\ntitle: Both\nheroImage:\n  prompt: A harbour at noon\n  alt: A harbour\nhero:\n  prompt: A kite\n  alt: A kite\n---\n',
    );
    await project.write(
      'src/content/own.md',
      "---\ntitle: Own\nheroImage: '../assets/own.png'\n---\n",
    );
    const fields = { field: { hero: 'hero', heroImage: 'image' } };
    for (const pass of ['cold', 'cached']) {
      const result = await scan(fields);
      expect(result.errors, pass).toEqual([]);
      expect(
        result.heroes.map((hero) => [hero.file, hero.field, hero.line, hero.spec.prompt]),
        pass,
      ).toEqual([
        ['src/content/both.md', 'hero', 6, 'A kite'],
        ['src/content/both.md', 'heroImage', 3, 'A harbour at noon'],
      ]);
    }
  });

  it('reports prose in an image field with file, line and field, and pays for nothing', async () => {
    await project.write(
      'src/content/prose.md',
      '---\ntitle: Prose\nheroImage: A lighthouse at dusk, watercolor\n---\n',
    );
    const result = await scan({ field: { heroImage: 'image' } });
    expect(result.heroes).toEqual([]);
    const error = only(result.errors, 'src/content/prose.md');
    expect(error.location).toEqual({ file: 'src/content/prose.md', line: 3, field: 'heroImage' });
    expect(error.hint).toContain('prompt: "A lighthouse at dusk, watercolor"');
  });
});
