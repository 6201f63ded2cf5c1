import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveCacheDir } from '../src/derive/cache.js';
import { layoutForVariants, resolveProjectLayout } from '../src/fs/project-layout.js';
import { batchesPathFor } from '../src/lock/batches-file.js';
import { resolveClaimDir } from '../src/lock/claim.js';
import { resolveScanCachePath } from '../src/scan/scan-cache.js';
import { resolveIncomingDir } from '../src/store/incoming-journal.js';
import { pendingSidecarDir } from '../src/store/pending-task.js';
import { readSources } from './layers/check-layers.js';

const root = join('/', 'p', 'site');
const cache = join(root, 'node_modules', '.cache', 'herogen');

describe('resolveProjectLayout', () => {
  it('resolves every path of a project from its root and settings', () => {
    expect(
      resolveProjectLayout(root, { outDir: 'src/assets/herogen', lockFile: 'herogen.lock.json' }),
    ).toEqual({
      root,
      outDir: join(root, 'src', 'assets', 'herogen'),
      outDirRelative: 'src/assets/herogen',
      history: join(root, 'src', 'assets', 'herogen', 'history'),
      variants: join(root, 'src', 'assets', 'herogen', 'variants'),
      lockPath: join(root, 'herogen.lock.json'),
      batches: join(root, 'herogen.batches.json'),
      cacheDir: cache,
      claims: join(cache, 'claims'),
      incoming: join(cache, 'incoming'),
      tasks: join(cache, 'incoming'),
      rejected: join(cache, 'rejected'),
      derive: join(cache, 'derive'),
      scanCache: join(cache, 'scan.json'),
    });
  });

  it('keeps hiapi task ids beside the lock file when the lock lives elsewhere', () => {
    const layout = resolveProjectLayout(root, {
      outDir: 'img',
      lockFile: 'data/herogen.lock.json',
    });
    expect(layout.tasks).toBe(join(root, 'data', 'node_modules', '.cache', 'herogen', 'incoming'));
    expect(layout.incoming).toBe(join(cache, 'incoming'));
  });

  it("names the project root itself '' when outDir is '.', with history and variants inside it", () => {
    const layout = resolveProjectLayout(root, { outDir: '.', lockFile: 'herogen.lock.json' });
    expect(layout.outDir).toBe(root);
    expect(layout.outDirRelative).toBe('');
    expect(layout.history).toBe(join(root, 'history'));
    expect(layout.variants).toBe(join(root, 'variants'));
  });

  it('is what every module that keeps state in the cache uses', () => {
    const layout = resolveProjectLayout(root, { outDir: 'img', lockFile: 'herogen.lock.json' });
    expect(resolveClaimDir(root)).toBe(layout.claims);
    expect(resolveIncomingDir(root)).toBe(layout.incoming);
    expect(pendingSidecarDir(layout.lockPath)).toBe(layout.tasks);
    expect(batchesPathFor(layout.lockPath)).toBe(layout.batches);
    expect(resolveScanCachePath(root)).toBe(layout.scanCache);
    expect(resolveCacheDir(root)).toBe(layout.derive);
  });

  it('is the only place in core/src that names the cache folder', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const naming = [...readSources(src)]
      .filter(([, source]) => /['"`]\.cache['"`/]/.test(source))
      .map(([file]) => file);
    expect(naming).toEqual(['fs/project-layout.ts']);
  });
});

describe('layoutForVariants', () => {
  it('makes <outDir>/variants the originals folder and keeps the lock and cache folders', () => {
    const layout = resolveProjectLayout(root, {
      outDir: 'src/assets/herogen',
      lockFile: 'herogen.lock.json',
    });
    const variants = join(root, 'src', 'assets', 'herogen', 'variants');
    expect(layoutForVariants(layout)).toEqual({
      ...layout,
      outDir: variants,
      outDirRelative: 'src/assets/herogen/variants',
      history: join(variants, 'history'),
      variants: join(variants, 'variants'),
    });
  });
});
