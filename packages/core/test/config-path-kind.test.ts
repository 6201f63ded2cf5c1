import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

describe('outDir and lockFile of the wrong kind are refused before anything is paid', () => {
  it('an outDir that is a file', async () => {
    project = await createTempProject();
    await writeFile(join(project.root, 'images'), 'a file');
    expect(() =>
      resolveConfig({
        root: project!.root,
        fileConfig: { outDir: 'images' },
        file: 'herogen.config.json',
        env: {},
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('outDir "images" in herogen.config.json is a file'),
        location: expect.objectContaining({ file: 'herogen.config.json', field: 'outDir' }),
      }),
    );
  });

  it('a lockFile that is a folder', async () => {
    project = await createTempProject();
    await mkdir(join(project.root, 'herogen.lock.json'));
    expect(() => resolveConfig({ root: project!.root, fileConfig: {}, env: {} })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('a folder'),
      }),
    );
  });

  it('an existing folder and file of the right kind are fine', async () => {
    project = await createTempProject();
    await mkdir(join(project.root, 'src/assets/herogen'), { recursive: true });
    await writeFile(join(project.root, 'herogen.lock.json'), '{}');
    expect(resolveConfig({ root: project.root, fileConfig: {}, env: {} }).outDir).toBe(
      'src/assets/herogen',
    );
  });
});
