import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { resolveProjectLayout } from '../src/fs/project-layout.js';
import { buildPrompt } from '../src/plan/build-prompt.js';
import { planJobs } from '../src/plan/plan-jobs.js';
import { costKind } from '../src/pricing/calibrate.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type {
  ContentHero,
  GenerationRequest,
  HeroProvider,
  Lock,
  LockEntry,
} from '../src/types.js';

function fakeProvider(id: string, paid: boolean): HeroProvider {
  return {
    id,
    paid,
    defaultModel: `${id}-model`,
    maxPromptLength: 100,
    prepare: (intent, model) => ({
      provider: id,
      model,
      prompt: intent.prompt,
      size: intent.size ?? (intent.aspect === '1:1' ? '1024x1024' : '1536x864'),
      quality: intent.quality,
      format: intent.format,
      references: intent.references,
      variant: intent.variant,
    }),
    validate: (request) =>
      request.quality === 'ultra' ? [{ field: 'quality', message: 'unknown quality "ultra"' }] : [],
    estimate: () => ({ usd: paid ? 0.04 : 0, confidence: paid ? 'estimate' : 'exact' }),
    isConfigured: () => true,
    generate: async () => {
      throw new Error('not called by the planner');
    },
  };
}

function registry(
  providers: HeroProvider[],
  defaults = providers,
  alternatives: HeroProvider[] = [],
): ProviderRegistry {
  const byId = new Map(providers.map((p) => [p.id, p]));
  return {
    defaultId: defaults.at(-1)!.id,
    reason: 'test',
    ids: () => [...byId.keys()],
    get: (id) => byId.get(id),
    candidatesFor: (override) =>
      override === undefined ? defaults : byId.has(override) ? [byId.get(override)!] : [],
    storedAlternatives: () => alternatives,
  };
}

const config = configSchema.parse({});
const emptyLock: Lock = { version: 1, images: {}, pending: {} };
const paid = fakeProvider('paid', true);
const local = fakeProvider('local', false);

function hero(file: string, prompt: string, extra: Partial<ContentHero['spec']> = {}): ContentHero {
  return {
    file,
    line: 2,
    field: 'hero',
    spec: { prompt, auto: false, decorative: false, ...extra },
    references: [],
  };
}

function entryFor(request: GenerationRequest, file: string, placeholder = false): LockEntry {
  return {
    file,
    sha256: 'a'.repeat(64),
    bytes: 10,
    width: 1536,
    height: 864,
    format: 'png',
    provider: request.provider,
    model: request.model,
    prompt: request.prompt,
    request,
    createdAt: '2026-11-22T00:00:00.000Z',
    costUsd: 0.04,
    costConfidence: 'estimate',
    ...(placeholder ? { placeholder: true } : {}),
  };
}

describe('planJobs', () => {
  const base = {
    config,
    lock: emptyLock,
    stored: new Map(),
    layout: resolveProjectLayout('/site', config),
  };

  it('merges identical requests from several files into one job', () => {
    const { jobs, errors } = planJobs({
      ...base,
      registry: registry([paid]),
      heroes: [hero('a.md', 'a fox'), hero('b.md', 'a fox'), hero('c.md', 'a cat')],
    });
    expect(errors).toEqual([]);
    expect(jobs).toHaveLength(2);
    expect(jobs[0]!.sources.map((s) => s.file)).toEqual(['a.md', 'b.md']);
    expect(jobs[0]!.status).toBe('missing');
    expect(jobs[0]!.file).toMatch(/^src\/assets\/herogen\/[0-9a-f]{20}\.png$/);
    expect(jobs[0]!.estimate).toEqual({ usd: 0.04, confidence: 'estimate' });
  });

  it('keeps different variants, aspects and models apart', () => {
    const { jobs } = planJobs({
      ...base,
      registry: registry([paid]),
      heroes: [
        hero('a.md', 'a fox'),
        hero('b.md', 'a fox', { variant: 1 }),
        hero('c.md', 'a fox', { aspect: '1:1' }),
        hero('d.md', 'a fox', { model: 'pro' }),
      ],
    });
    expect(new Set(jobs.map((j) => j.key)).size).toBe(4);
  });

  it('reports cached, placeholder, missing and corrupt from the lock and the stored files', () => {
    const first = planJobs({
      ...base,
      registry: registry([paid]),
      heroes: [hero('a.md', 'x'), hero('b.md', 'y'), hero('c.md', 'z')],
    });
    const [a, b, c] = first.jobs as [
      (typeof first.jobs)[0],
      (typeof first.jobs)[0],
      (typeof first.jobs)[0],
    ];
    const lock: Lock = {
      version: 1,
      images: {
        [a.key]: entryFor(a.request, a.file),
        [b.key]: entryFor(b.request, b.file, true),
        [c.key]: entryFor(c.request, c.file),
      },
      pending: {},
    };
    const { jobs } = planJobs({
      ...base,
      lock,
      stored: new Map([[c.key, 'corrupt' as const]]),
      registry: registry([paid]),
      heroes: [hero('a.md', 'x'), hero('b.md', 'y'), hero('c.md', 'z'), hero('d.md', 'w')],
    });
    expect(jobs.map((j) => j.status)).toEqual(['cached', 'placeholder', 'corrupt', 'missing']);
    expect(jobs[0]!.estimate.usd).toBe(0);
  });

  it('uses a paid image already in the lock before falling back to offline art', () => {
    const paidJob = planJobs({ ...base, registry: registry([paid]), heroes: [hero('a.md', 'x')] })
      .jobs[0]!;
    const lock: Lock = {
      version: 1,
      images: { [paidJob.key]: entryFor(paidJob.request, paidJob.file) },
      pending: {},
    };
    const noKey = registry([paid, local], [paid, local]);
    const { jobs } = planJobs({
      ...base,
      lock,
      registry: noKey,
      heroes: [hero('a.md', 'x'), hero('b.md', 'new')],
    });
    expect(jobs[0]!.request.provider).toBe('paid');
    expect(jobs[0]!.status).toBe('cached');
    expect(jobs[1]!.request.provider).toBe('local');
    expect(jobs[1]!.status).toBe('missing');
  });

  it('applies the site model to paid candidates on a machine without a key', () => {
    const withModel = { ...config, model: 'paid-pro' };
    const paidJob = planJobs({
      ...base,
      config: withModel,
      registry: registry([paid]),
      heroes: [hero('a.md', 'x')],
    }).jobs[0]!;
    expect(paidJob.request.model).toBe('paid-pro');
    const lock: Lock = {
      version: 1,
      images: { [paidJob.key]: entryFor(paidJob.request, paidJob.file) },
      pending: {},
    };
    const noKey = registry([paid, local], [paid, local]);
    const { jobs } = planJobs({
      ...base,
      config: withModel,
      lock,
      registry: noKey,
      heroes: [hero('a.md', 'x'), hero('b.md', 'y')],
    });
    expect(jobs[0]!.key).toBe(paidJob.key);
    expect(jobs[0]!.status).toBe('cached');
    // Offline art keeps its own model rather than borrowing the paid one's name.
    expect(jobs[1]!.request.model).toBe('local-model');
  });

  it('reuses a stored stand-in for a paid request rather than drawing a new one', () => {
    const paidJob = planJobs({ ...base, registry: registry([paid]), heroes: [hero('a.md', 'x')] })
      .jobs[0]!;
    const lock: Lock = {
      version: 1,
      images: { [paidJob.key]: entryFor(paidJob.request, paidJob.file, true) },
      pending: {},
    };
    const noKey = registry([paid, local], [paid, local]);
    const { jobs } = planJobs({ ...base, lock, registry: noKey, heroes: [hero('a.md', 'x')] });
    expect(jobs[0]!.key).toBe(paidJob.key);
    expect(jobs[0]!.status).toBe('placeholder');
  });

  describe('after a switch of API key (provider: auto)', () => {
    // `other` is a paid provider that asks for the same intent differently (an aspect, not a size).
    const other: HeroProvider = {
      ...fakeProvider('other', true),
      prepare: (intent, model) => ({
        provider: 'other',
        model,
        prompt: intent.prompt,
        aspect: intent.aspect,
        resolution: intent.resolution,
        format: intent.format,
        references: intent.references,
        variant: intent.variant,
      }),
    };
    const withModel = { ...config, model: 'site-model' };
    const madeBy = (provider: HeroProvider, heroes: ContentHero[], placeholder = false): Lock => {
      const { jobs } = planJobs({
        ...base,
        config: withModel,
        registry: registry([paid, other], [provider]),
        heroes,
      });
      const images = Object.fromEntries(
        jobs.map((job) => [job.key, entryFor(job.request, job.file, placeholder)]),
      );
      return { version: 1, images, pending: {} };
    };
    // Only `other`'s key is set on this machine; `paid`'s images are looked up, never made.
    const afterSwitch = (lock: Lock, heroes: ContentHero[]) =>
      planJobs({
        ...base,
        config: withModel,
        lock,
        registry: registry([paid, other], [other], [paid]),
        heroes,
      }).jobs;

    it('keeps what the other provider made for the same intent: cached, at $0', () => {
      const lock = madeBy(paid, [hero('a.md', 'x')]);
      const jobs = afterSwitch(lock, [hero('a.md', 'x'), hero('b.md', 'new')]);
      expect(jobs[0]!.status).toBe('cached');
      expect(jobs[0]!.request.provider).toBe('paid');
      expect(jobs[0]!.request.model).toBe('site-model');
      expect(jobs[0]!.key).toBe(Object.keys(lock.images)[0]);
      expect(jobs[0]!.estimate.usd).toBe(0);
      // A new prompt is made by the provider that runs here.
      expect(jobs[1]!.request.provider).toBe('other');
      expect(jobs[1]!.status).toBe('missing');
    });

    it('prefers the running provider’s own image when both made one', () => {
      const lock = madeBy(paid, [hero('a.md', 'x')]);
      Object.assign(lock.images, madeBy(other, [hero('a.md', 'x')]).images);
      const jobs = afterSwitch(lock, [hero('a.md', 'x')]);
      expect(jobs[0]!.request.provider).toBe('other');
      expect(jobs[0]!.status).toBe('cached');
    });

    it('does not keep the other provider’s stand-in, nor another intent, nor over an explicit provider', () => {
      const standIn = madeBy(paid, [hero('a.md', 'x')], true);
      const [stale] = afterSwitch(standIn, [hero('a.md', 'x')]);
      expect(stale!.request.provider).toBe('other');
      expect(stale!.status).toBe('missing');
      const lock = madeBy(paid, [hero('a.md', 'x')]);
      const jobs = afterSwitch(lock, [
        hero('a.md', 'x', { aspect: '1:1' }),
        hero('b.md', 'x', { provider: 'other' }),
      ]);
      expect(jobs.map((job) => [job.request.provider, job.status])).toEqual([
        ['other', 'missing'],
        ['other', 'missing'],
      ]);
    });
  });

  it('works out the stored alternatives only when the runner has no real image stored', () => {
    let asked = 0;
    const counted: HeroProvider = {
      ...fakeProvider('paid', true),
      prepare: (intent, model) => {
        asked++;
        return paid.prepare(intent, model);
      },
    };
    const other = fakeProvider('other', true);
    const reg = registry([counted, other], [other], [counted]);
    const heroes = [hero('a.md', 'x')];
    const [made] = planJobs({ ...base, registry: registry([other]), heroes }).jobs;
    const stored = (placeholder: boolean): Lock => ({
      version: 1,
      images: { [made!.key]: entryFor(made!.request, made!.file, placeholder) },
      pending: {},
    });
    const real = planJobs({ ...base, lock: stored(false), registry: reg, heroes }).jobs;
    expect(real.map((job) => [job.request.provider, job.status])).toEqual([['other', 'cached']]);
    expect(asked).toBe(0);
    // A stand-in of the runner: the alternative is looked up, as before.
    const standIn = planJobs({ ...base, lock: stored(true), registry: reg, heroes }).jobs;
    expect(standIn.map((job) => [job.request.provider, job.status])).toEqual([
      ['other', 'placeholder'],
    ]);
    expect(asked).toBe(1);
  });

  it('gathers recorded costs once, and only when some image is not cached', () => {
    const [made] = planJobs({
      ...base,
      registry: registry([paid]),
      heroes: [hero('a.md', 'x')],
    }).jobs;
    const lock: Lock = {
      version: 1,
      images: { [made!.key]: entryFor(made!.request, made!.file) },
      pending: {},
    };
    let gathered = 0;
    const recordedCosts = () => {
      gathered++;
      return new Map([[costKind(made!.request), [0.07]]]);
    };
    const cached = planJobs({
      ...base,
      lock,
      registry: registry([paid]),
      heroes: [hero('a.md', 'x')],
      recordedCosts,
    });
    expect(cached.jobs[0]!.status).toBe('cached');
    expect(gathered).toBe(0);
    const { jobs } = planJobs({
      ...base,
      lock,
      registry: registry([paid]),
      heroes: [hero('a.md', 'x'), hero('b.md', 'y'), hero('c.md', 'z')],
      recordedCosts,
    });
    expect(jobs.map((job) => job.status)).toEqual(['cached', 'missing', 'missing']);
    expect(jobs[1]!.estimate).toEqual({ usd: 0.07, confidence: 'estimate', calibratedFrom: 1 });
    expect(gathered).toBe(1);
  });

  it('names file, line and field for invalid requests and unknown providers', () => {
    const { jobs, errors } = planJobs({
      ...base,
      registry: registry([paid]),
      heroes: [
        hero('a.md', 'x', { quality: 'ultra' }),
        hero('b.md', 'y', { provider: 'nope' }),
        hero('c.md', 'z'.repeat(101)),
        hero('d.md', 'fine'),
      ],
    });
    expect(jobs).toHaveLength(1);
    expect(errors.map((e) => [e.location?.file, e.location?.line, e.location?.field])).toEqual([
      ['a.md', 2, 'hero.quality'],
      ['b.md', 2, 'hero.provider'],
      ['c.md', 2, 'hero.prompt'],
    ]);
    expect(errors[1]!.hint).toContain('paid');
    expect(errors[2]!.message).toContain('at most 100');
  });
});

describe('buildPrompt', () => {
  const settings = { promptTemplate: '{prompt}', style: 'soft watercolor' };

  it('appends the site style unless the hero opts out or replaces it', () => {
    expect(buildPrompt(hero('a.md', 'a fox'), settings)).toBe('a fox\n\nsoft watercolor');
    expect(buildPrompt(hero('a.md', 'a fox', { style: false }), settings)).toBe('a fox');
    expect(buildPrompt(hero('a.md', 'a fox', { style: 'ink' }), settings)).toBe('a fox\n\nink');
  });

  it('fills the template, and builds `hero: auto` from title and description', () => {
    const withTitle = { ...hero('a.md', 'fox'), title: 'Foxes', description: 'All about foxes' };
    expect(buildPrompt(withTitle, { promptTemplate: 'Editorial photo: {prompt}' })).toBe(
      'Editorial photo: fox',
    );
    const auto: ContentHero = { ...withTitle, spec: { auto: true, decorative: false } };
    expect(buildPrompt(auto, { promptTemplate: '{prompt}' })).toBe('Foxes. All about foxes');
    expect(buildPrompt({ ...auto, description: undefined }, { promptTemplate: '{prompt}' })).toBe(
      'Foxes.',
    );
    expect(buildPrompt(auto, { promptTemplate: 'Cover for "{title}"' })).toBe('Cover for "Foxes"');
  });

  it('refuses `hero: auto` without a title or description, naming the file', () => {
    const auto: ContentHero = { ...hero('a.md', ''), spec: { auto: true, decorative: false } };
    expect(() => buildPrompt(auto, settings)).toThrow(/title and description/);
  });

  it('keeps multi-line prompts intact', () => {
    expect(buildPrompt(hero('a.md', '- one\n- two'), { promptTemplate: '{prompt}' })).toBe(
      '- one\n- two',
    );
  });
});
