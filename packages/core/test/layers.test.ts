import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkAdapterImports,
  checkCoreLayers,
  importsOf,
  LAYERS,
  readSources,
} from './layers/check-layers.js';

const packages = fileURLToPath(new URL('../../', import.meta.url));
const coreExports = Object.keys(
  JSON.parse(readFileSync(`${packages}core/package.json`, 'utf8')).exports,
);

describe('the layers of core/src', () => {
  it('has no upward, sideways or unknown import', () => {
    const sources = readSources(`${packages}core/src`);
    // Not vacuous: the whole tree is read and its imports found.
    expect(sources.size).toBeGreaterThan(100);
    const edges = [...sources.values()].flatMap(importsOf);
    expect(edges.filter((edge) => edge.specifier.startsWith('.')).length).toBeGreaterThan(300);
    expect(checkCoreLayers(sources)).toEqual([]);
  });

  it('puts every folder and top-level file of core/src in exactly one layer', () => {
    const groups = [...readSources(`${packages}core/src`).keys()].map((file) =>
      file.includes('/') ? `${file.split('/')[0]}/` : file,
    );
    const listed = LAYERS.flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...new Set(groups)].sort()).toEqual([...listed].sort());
  });

  it('catches a planted upward import, with file, line and layers', () => {
    const sources = new Map([
      ['run/run-jobs.ts', 'export const run = 1;\n'],
      [
        'plan/plan-jobs.ts',
        "import { x } from '../types.js';\nimport { run } from '../run/run-jobs.js';\n",
      ],
      ['types.ts', 'export type X = 1;\n'],
    ]);
    expect(checkCoreLayers(sources)).toEqual([
      {
        at: 'plan/plan-jobs.ts:2',
        specifier: '../run/run-jobs.js',
        message: 'upward import: plan/ (layer 5) may only import lower layers, run/ is layer 6',
      },
    ]);
  });

  it('catches sideways, type-only, re-exported and dynamic imports, and unknown folders', () => {
    const sources = new Map([
      ['store/a.ts', "import type { P } from '../providers/p.js';\n"],
      ['types.ts', "export type { H } from './http/client.js';\n"],
      ['scan/b.ts', "const m = await import('../session.js');\n"],
      ['fs/c.ts', "import { d } from '../cache/d.js';\nimport { e } from './e.js';\n"],
      ['lib/f.ts', 'export {};\n'],
      ['key/g.ts', "import { h } from '../../cli/src/h.js';\n"],
    ]);
    const found = checkCoreLayers(sources).map((v) => `${v.at} ${v.message.split(':')[0]}`);
    expect(found).toEqual([
      'store/a.ts:1 sideways import',
      'types.ts:1 upward import',
      'scan/b.ts:1 upward import',
      'fs/c.ts:1 cache/ is in no layer',
      'lib/f.ts lib/ is in no layer',
      'key/g.ts:1 imports from outside core/src',
    ]);
  });

  it('allows imports within a folder and down any number of layers', () => {
    const sources = new Map([
      ['index.ts', "export * from './types.js';\nexport { s } from './session.js';\n"],
      ['run/a.ts', "import { b } from './b.js';\nimport { t } from '../text/plural.js';\n"],
    ]);
    expect(checkCoreLayers(sources)).toEqual([]);
  });
});

describe('the adapters', () => {
  for (const adapter of ['astro', 'vite', 'cli']) {
    it(`${adapter} imports core only through its package exports`, () => {
      const sources = readSources(`${packages}${adapter}/src`);
      expect(sources.size).toBeGreaterThan(3);
      expect(checkAdapterImports(sources, coreExports)).toEqual([]);
    });
  }

  it('catches a deep import of core and a path out of the package', () => {
    const sources = new Map([
      [
        'plugin.ts',
        "import { a } from '@herogen/core';\nimport { b } from '@herogen/core/derive';\n",
      ],
      ['deep.ts', "import { planJobs } from '@herogen/core/dist/plan/plan-jobs.js';\n"],
      ['out.ts', "import { c } from '../../core/src/index.js';\n"],
    ]);
    expect(checkAdapterImports(sources, coreExports).map((v) => v.at)).toEqual([
      'deep.ts:1',
      'out.ts:1',
    ]);
  });
});
