import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { scanContent } from '../src/scan/scan-content.js';
import { firstInvalidUtf8Line } from '../src/scan/utf8.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))),
  );

describe('firstInvalidUtf8Line', () => {
  it('finds the line of the first bad byte, or nothing when all is UTF-8', () => {
    expect(firstInvalidUtf8Line(bytes('café ☕\nline 2\n'))).toBeUndefined();
    expect(firstInvalidUtf8Line(bytes('a\nb\ncaf', [0xc3, 0x28], '\n', [0xff]))).toBe(3);
    expect(firstInvalidUtf8Line(bytes([0xff, 0xfe], '\n'))).toBe(1);
    // A character cut by a line break is two bad lines, the first one reported.
    expect(firstInvalidUtf8Line(bytes('ok\n', [0xe2, 0x98], '\n', [0x95]))).toBe(2);
  });
});

describe('scanContent refuses frontmatter that is not UTF-8', () => {
  let project: TempProject;
  beforeEach(async () => {
    project = await createTempProject();
  });
  afterEach(async () => {
    await project.cleanup();
  });
  const scan = () =>
    scanContent({
      root: project.root,
      config: resolveConfig({ root: project.root, fileConfig: {}, env: {} }),
    });

  it('names the file, the line and the field of the bad byte', async () => {
    await project.write(
      'src/content/bad.md',
      bytes(
        '---\ntitle: Cafe\nhero:\n  prompt: "A caf',
        [0xc3, 0x28],
        ' with ',
        [0xff, 0xfe],
        '"\n  alt: x\n---\n',
      ),
    );
    const { errors, heroes } = await scan();
    expect(heroes).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('CONTENT_INVALID');
    expect(errors[0]!.location).toEqual({
      file: 'src/content/bad.md',
      line: 4,
      field: 'hero.prompt',
    });
    expect(errors[0]!.message).toContain('not valid UTF-8');
  });

  it('checks frontmatter longer than the first read, and ignores bodies and files without a hero', async () => {
    const long = `---\ntitle: x\nnotes: "${'n'.repeat(20_000)}"\nhero:\n  prompt: |\n    A long\n    prompt `;
    await project.write('src/content/long.md', bytes(long, [0xe9], '\n  alt: x\n---\n'));
    await project.write('src/content/body.md', bytes('---\nhero: A boat\n---\nCaf', [0xe9], '\n'));
    await project.write('src/content/no-hero.md', bytes('---\ntitle: Caf', [0xe9], '\n---\n'));
    const { errors, heroes } = await scan();
    expect(errors.map((error) => error.location)).toEqual([
      { file: 'src/content/long.md', line: 7, field: 'hero.prompt' },
    ]);
    expect(heroes.map((hero) => hero.file)).toEqual(['src/content/body.md']);
  });
});
