import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGES, type PackageName, packAll, unpack } from './pack.js';

interface SourceMap {
  sources: string[];
  sourcesContent?: (string | null)[];
}

// A map whose sources are not in the tarball makes Vite warn "Sourcemap for … points to missing
// source files" on every consumer build and dev start.
describe('published tarballs', () => {
  let dir: string;
  const files = new Map<PackageName, string[]>();

  beforeAll(async () => {
    const packed = await packAll();
    dir = packed.dir;
    for (const [name, tarball] of Object.entries(packed.tarballs)) {
      files.set(name as PackageName, await unpack(tarball, path.join(dir, name)));
    }
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(Object.values(PACKAGES))('%s: every sourcemap points at files it ships', async (name) => {
    const list = files.get(name)!;
    const maps = list.filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const map of maps) {
      const file = path.join(dir, name, 'package', map);
      const { sources, sourcesContent } = JSON.parse(await readFile(file, 'utf8')) as SourceMap;
      sources.forEach((source, index) => {
        if (sourcesContent?.[index]) return;
        const shipped = path.relative(
          path.join(dir, name, 'package'),
          path.resolve(path.dirname(file), source),
        );
        if (!list.includes(shipped)) missing.push(`${map} → ${source}`);
      });
    }
    expect(missing).toEqual([]);
  });

  it('ships no tests and no build config', () => {
    const all = [...files.values()].flat();
    expect(all.filter((file) => /\.test\.ts$|tsconfig|vitest\.config/.test(file))).toEqual([]);
  });
});
