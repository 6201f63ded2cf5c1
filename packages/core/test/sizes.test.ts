import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSources } from './layers/check-layers.js';
import { checkSizes, LIMITS } from './sizes/check-sizes.js';

const packages = fileURLToPath(new URL('../../', import.meta.url));

/** Every package's `src`, keyed `<package>/src/<path>`. */
function allSources(): Map<string, string> {
  const all = new Map<string, string>();
  for (const name of readdirSync(packages)) {
    let sources: Map<string, string>;
    try {
      sources = readSources(`${packages}${name}/src`);
    } catch {
      continue;
    }
    for (const [file, source] of sources) all.set(`${name}/src/${file}`, source);
  }
  return all;
}

describe('the size limits of every package', () => {
  it(`has no file over ${LIMITS.fileLines} lines, no function over ${LIMITS.functionLines}, none with more than ${LIMITS.parameters} positional parameters`, () => {
    const sources = allSources();
    // Not vacuous: every package's source is read.
    const read = new Set([...sources.keys()].map((file) => file.split('/')[0]));
    expect([...read].sort()).toEqual(['astro', 'cli', 'core', 'mock-api', 'vite']);
    expect(sources.size).toBeGreaterThan(200);
    expect(checkSizes(sources)).toEqual([]);
  });

  it('catches a planted long file, long function and long parameter list, with file and line', () => {
    const body = Array.from({ length: 121 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    const sources = new Map([
      ['long.ts', `${'export const x = 1;\n'.repeat(401)}`],
      ['at-limit.ts', `${'export const x = 1;\n'.repeat(400)}`],
      ['function.ts', `export const y = 2;\nexport function long() {\n${body}\n}\n`],
      [
        'parameters.ts',
        [
          'export function four(a: 1, b: 2, c: 3, d: 4) {}',
          'export const five = (a: 1, b: 2, c: 3, d: 4, e: 5) => a;',
          'class C {',
          '  method(this: C, a: 1, b: 2, c: 3, d: 4) {}',
          '  other(a: 1, b: 2, c: 3, d: 4, ...rest: 5[]) {}',
          '}',
          '',
        ].join('\n'),
      ],
    ]);
    expect(checkSizes(sources)).toEqual([
      { at: 'long.ts:1', message: '401 lines, more than 400: split it by responsibility' },
      { at: 'function.ts:2', message: 'long is 123 lines, more than 120' },
      {
        at: 'parameters.ts:2',
        message: 'five takes 5 positional parameters, more than 4: pass an object',
      },
      {
        at: 'parameters.ts:5',
        message: 'other takes 5 positional parameters, more than 4: pass an object',
      },
    ]);
  });
});
