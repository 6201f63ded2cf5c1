import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../src/config/load.js';
import { HerogenError } from '../src/errors.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

let project: TempProject;
afterEach(async () => {
  await project?.cleanup();
});

async function loadError(root: string, explicit?: string): Promise<HerogenError> {
  try {
    await loadConfigFile(root, explicit);
  } catch (error) {
    if (HerogenError.is(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfigFile to throw');
}

describe('loadConfigFile', () => {
  it('returns {} without a file when the project has no config', async () => {
    project = await createTempProject();
    expect(await loadConfigFile(project.root)).toEqual({ config: {} });
  });

  it('loads a TypeScript config with types, a local defineConfig and export default', async () => {
    project = await createTempProject();
    await project.write(
      'herogen.config.ts',
      [
        'type Options = { concurrency: number; style: string };',
        'const defineConfig = <T,>(config: T): T => config;',
        'const style: string = ["watercolor", "soft light"].join(", ");',
        'export default defineConfig<Options>({ concurrency: 2, style });',
      ].join('\n'),
    );
    const loaded = await loadConfigFile(project.root);
    expect(loaded.config).toEqual({ concurrency: 2, style: 'watercolor, soft light' });
    expect(loaded.file).toBe(`${project.root}/herogen.config.ts`);
  });

  it('loads .mjs, and picks .ts over .mjs and .json when several exist', async () => {
    project = await createTempProject();
    await project.write('herogen.config.mjs', 'export default { field: "cover" };');
    await project.write('herogen.config.json', '{ "field": "banner" }');
    expect((await loadConfigFile(project.root)).config).toEqual({ field: 'cover' });
    await project.write('herogen.config.ts', 'export default { field: "image" };');
    expect((await loadConfigFile(project.root)).config).toEqual({ field: 'image' });
  });

  it('sees edits to the same config file on a second load (no module cache)', async () => {
    project = await createTempProject();
    await project.write('herogen.config.mjs', 'export default { concurrency: 1 };');
    expect((await loadConfigFile(project.root)).config).toEqual({ concurrency: 1 });
    await project.write('herogen.config.mjs', 'export default { concurrency: 7 };');
    expect((await loadConfigFile(project.root)).config).toEqual({ concurrency: 7 });
    await project.write('herogen.config.ts', 'export default { concurrency: 3 as number };');
    expect((await loadConfigFile(project.root)).config).toEqual({ concurrency: 3 });
    await project.write('herogen.config.ts', 'export default { concurrency: 5 as number };');
    expect((await loadConfigFile(project.root)).config).toEqual({ concurrency: 5 });
  });

  it('loads JSON (with a BOM) and an explicit path relative to the root', async () => {
    project = await createTempProject();
    await project.write('config/site.json', '\uFEFF{ "outDir": "public/heroes" }');
    const loaded = await loadConfigFile(project.root, 'config/site.json');
    expect(loaded).toEqual({
      config: { outDir: 'public/heroes' },
      file: `${project.root}/config/site.json`,
    });
  });

  it('names the file, line and column of a JSON syntax error', async () => {
    project = await createTempProject();
    await project.write('herogen.config.json', '{\n  "concurrency": 2,\n  "style": "flat",\n}\n');
    const error = await loadError(project.root);
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.location).toMatchObject({ file: 'herogen.config.json', line: 4, column: 1 });
    expect(error.message).toContain('herogen.config.json is not valid JSON');
    expect(error.message).toContain('line 4, column 1');
  });

  it('reports unexpected end of a truncated JSON file at its last line', async () => {
    project = await createTempProject();
    await project.write('herogen.config.json', '{\n  "concurrency": 2,\n');
    const error = await loadError(project.root);
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.location?.line).toBe(3);
  });

  it('fails clearly when an explicit config path does not exist', async () => {
    project = await createTempProject();
    const error = await loadError(project.root, 'nope/herogen.config.ts');
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.message).toContain('nope/herogen.config.ts does not exist');
  });

  it('wraps a TypeScript config that throws into CONFIG_LOAD naming the file', async () => {
    project = await createTempProject();
    await project.write(
      'herogen.config.ts',
      'throw new Error("boom in config");\nexport default {};',
    );
    const error = await loadError(project.root);
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.location?.file).toBe('herogen.config.ts');
    expect(error.message).toContain('boom in config');
  });

  it('fails when the module has no default export', async () => {
    project = await createTempProject();
    await project.write('herogen.config.mjs', 'export const concurrency = 2;');
    const error = await loadError(project.root);
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.message).toContain('no default export');
  });
});
