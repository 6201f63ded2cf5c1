import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { resolveProjectLayout } from '../src/fs/project-layout.js';
import { readLock } from '../src/lock/read-lock.js';
import { planJobs } from '../src/plan/plan-jobs.js';
import { createLocalProvider } from '../src/providers/local.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { runJobs } from '../src/run/run-jobs.js';
import { storeOriginal } from '../src/store/store-original.js';
import type { ContentHero, HeroProvider, Lock } from '../src/types.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A paid provider whose images are plain grey PNGs of the requested size. */
function greyProvider(calls: { count: number }): HeroProvider {
  const local = createLocalProvider();
  return {
    ...local,
    id: 'grey',
    paid: true,
    defaultModel: 'grey-1',
    prepare: (intent, model) => ({ ...local.prepare(intent, model), provider: 'grey', model }),
    isConfigured: () => true,
    estimate: () => ({ usd: 0.04, confidence: 'estimate' }),
    async generate(request) {
      calls.count += 1;
      const [width, height] = request.size!.split('x').map(Number) as [number, number];
      const bytes = await sharp({ create: { width, height, channels: 3, background: '#777' } })
        .png()
        .toBuffer();
      return { bytes, mediaType: 'image/png', costUsd: 0.04, costConfidence: 'estimate' };
    },
  };
}

function registryOf(provider: HeroProvider): ProviderRegistry {
  return {
    defaultId: provider.id,
    reason: 'test',
    ids: () => [provider.id],
    get: (id) => (id === provider.id ? provider : undefined),
    candidatesFor: () => [provider],
    storedAlternatives: () => [],
  };
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'herogen-run-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const hero: ContentHero = {
  file: 'src/content/a.md',
  line: 2,
  field: 'hero',
  spec: { prompt: 'A lighthouse', auto: false, decorative: false, alt: 'x' },
  references: [],
};

describe('runJobs', () => {
  it('a stand-in never replaces an image another run paid for after this run planned', async () => {
    const calls = { count: 0 };
    const provider = greyProvider(calls);
    const registry = registryOf(provider);
    const config = configSchema.parse({});
    const lockPath = path.join(root, 'herogen.lock.json');
    const layout = resolveProjectLayout(root, config);
    const { outDir } = layout;
    const empty: Lock = { version: 1, images: {}, pending: {} };
    const { jobs } = planJobs({
      heroes: [hero],
      config,
      registry,
      lock: empty,
      stored: new Map(),
      layout,
    });
    expect(jobs[0]!.status).toBe('missing');

    // Another process pays for and stores the image after this run planned.
    const paid = await provider.generate(jobs[0]!.request, {} as never);
    const real = await storeOriginal({
      root,
      outDir,
      key: jobs[0]!.key,
      request: jobs[0]!.request,
      image: paid,
      lockPath,
    });

    // This run is frozen: it would store a stand-in for what it thinks is missing.
    const summary = await runJobs(
      jobs,
      { layout, config, registry, logger: silent },
      { frozen: true },
    );
    expect(summary.results[0]!.status).toBe('cached');
    const lock = await readLock(lockPath);
    expect(lock.images[jobs[0]!.key]).toEqual(real);
    const bytes = await readFile(path.join(root, real.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(real.sha256);
  });

  it('generates missing jobs once, stores them before reporting, and counts the cost', async () => {
    const calls = { count: 0 };
    const provider = greyProvider(calls);
    const registry = registryOf(provider);
    const config = configSchema.parse({});
    const lockPath = path.join(root, 'herogen.lock.json');
    const layout = resolveProjectLayout(root, config);
    const empty: Lock = { version: 1, images: {}, pending: {} };
    const heroes = [
      hero,
      { ...hero, file: 'src/content/b.md' },
      { ...hero, spec: { ...hero.spec, prompt: 'A cat' } },
    ];
    const { jobs } = planJobs({
      heroes,
      config,
      registry,
      lock: empty,
      stored: new Map(),
      layout,
    });
    const seen: string[] = [];
    const summary = await runJobs(
      jobs,
      { layout, config, registry, logger: silent },
      {
        onEvent: async (event) => {
          if (event.type === 'generated') seen.push(event.entry.file);
        },
      },
    );
    expect(calls.count).toBe(2);
    expect(summary.generated).toBe(2);
    expect(summary.costUsd).toBeCloseTo(0.08);
    expect(summary.costIsEstimate).toBe(true);
    const lock = await readLock(lockPath);
    expect(Object.keys(lock.images).sort()).toEqual(jobs.map((j) => j.key).sort());
    expect(seen.sort()).toEqual(
      Object.values(lock.images)
        .map((e) => e.file)
        .sort(),
    );
  });
});
