import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { computeKey } from '../src/key/cache-key.js';
import { findPriceOverride, withPriceOverrides } from '../src/pricing/overrides.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { listCandidates, planCandidates } from '../src/review/candidates.js';
import { planPrune } from '../src/review/prune-plan.js';
import { referencedKeys } from '../src/review/referenced.js';
import { resolveReviewTarget } from '../src/review/targets.js';
import type {
  ContentHero,
  GenerationRequest,
  HeroProvider,
  Job,
  Lock,
  LockEntry,
} from '../src/types.js';

const request = (over: Partial<GenerationRequest> = {}): GenerationRequest => ({
  provider: 'openai',
  model: 'gpt-image-2',
  prompt: 'A fox',
  size: '1360x768',
  quality: 'medium',
  format: 'png',
  references: [],
  variant: 0,
  ...over,
});

const hero = (file: string, prompt = 'A fox'): ContentHero => ({
  file,
  line: 2,
  field: 'hero',
  spec: { prompt, auto: false, decorative: false },
  references: [],
});

const job = (file: string, req = request()): Job => ({
  key: computeKey(req),
  status: 'cached',
  request: req,
  file: `src/assets/herogen/${computeKey(req)}.png`,
  sources: [hero(file, req.prompt)],
  estimate: { usd: 0, confidence: 'exact' },
});

const entry = (
  req: GenerationRequest,
  file: string,
  extra: Partial<LockEntry> = {},
): LockEntry => ({
  file,
  sha256: 'a'.repeat(64),
  bytes: 10,
  width: 1360,
  height: 768,
  format: 'png',
  provider: req.provider,
  model: req.model,
  prompt: req.prompt,
  request: req,
  createdAt: '2026-11-01T00:00:00.000Z',
  costUsd: 0.05,
  costConfidence: 'exact',
  ...extra,
});

const provider = {
  id: 'openai',
  paid: true,
  estimate: () => ({ usd: 0.04, confidence: 'estimate' }),
} as unknown as HeroProvider;

describe('resolveReviewTarget', () => {
  const jobs = [job('src/content/a.md'), job('src/content/b.md', request({ prompt: 'A cat' }))];
  it('finds a job by content file, by key and by a unique key prefix', () => {
    expect(resolveReviewTarget(jobs, 'src/content/b.md')).toBe(jobs[1]);
    expect(resolveReviewTarget(jobs, jobs[0]!.key)).toBe(jobs[0]);
    expect(resolveReviewTarget(jobs, jobs[1]!.key.slice(0, 8))).toBe(jobs[1]);
  });
  it('says what to do when nothing matches', () => {
    expect(() => resolveReviewTarget(jobs, 'src/content/zzz.md')).toThrow(/no hero found/);
    expect(() => resolveReviewTarget(jobs, 'abc')).toThrow(/no hero found/);
  });
});

describe('candidates', () => {
  it('plans takes 1..n as variants stored under variants/, the stored ones cached', () => {
    const main = job('src/content/a.md');
    const two = request({ variant: 2 });
    const lock: Lock = {
      version: 1,
      pending: {},
      images: {
        [computeKey(two)]: entry(two, `src/assets/herogen/variants/${computeKey(two)}.png`),
      },
    };
    const plans = planCandidates(main, 3, { lock, outDir: 'src/assets/herogen', provider });
    expect(plans.map((plan) => [plan.n, plan.job.status, plan.job.request.variant])).toEqual([
      [1, 'missing', 1],
      [2, 'cached', 2],
      [3, 'missing', 3],
    ]);
    expect(plans[0]!.job.file).toBe(
      `src/assets/herogen/variants/${computeKey(request({ variant: 1 }))}.png`,
    );
    expect(plans[0]!.job.estimate).toEqual({ usd: 0.04, confidence: 'estimate' });
    expect(new Set(plans.map((plan) => plan.job.key)).size).toBe(3);
    expect(plans.every((plan) => plan.job.key !== main.key)).toBe(true);

    const listed = listCandidates(main, lock, 'src/assets/herogen');
    expect(listed.map((c) => c.n)).toEqual([2]);
    // Another hero's candidates are not this one's.
    const other = job('src/content/b.md', request({ prompt: 'A cat' }));
    expect(listCandidates(other, lock, 'src/assets/herogen')).toEqual([]);
  });

  it('a hero whose frontmatter sets variant n already is candidate n', () => {
    const main = job('src/content/a.md', request({ variant: 2 }));
    const plans = planCandidates(main, 3, {
      lock: { version: 1, images: {}, pending: {} },
      outDir: 'src/assets/herogen',
      provider,
    });
    expect(plans[1]).toMatchObject({ n: 2, current: true, job: main });
  });
});

describe('prune plan', () => {
  const used = request();
  const old = request({ prompt: 'An old fox' });
  const candidate = request({ variant: 1 });
  const lock: Lock = {
    version: 1,
    pending: {},
    images: {
      [computeKey(used)]: entry(used, `src/assets/herogen/${computeKey(used)}.png`),
      [computeKey(old)]: entry(old, `src/assets/herogen/${computeKey(old)}.png`),
      [computeKey(candidate)]: entry(
        candidate,
        `src/assets/herogen/variants/${computeKey(candidate)}.png`,
      ),
    },
    history: {
      [computeKey(used)]: [
        {
          ...entry(used, `src/assets/herogen/history/${computeKey(used)}/t.png`),
          replacedAt: '2026-11-02T00:00:00.000Z',
          reason: 'regenerate',
        },
      ],
    },
  };
  const referenced = new Set([computeKey(used)]);

  it('lists only unreferenced originals by default', () => {
    const plan = planPrune(lock, referenced, 'src/assets/herogen');
    expect(plan.remove.map((item) => [item.kind, item.key])).toEqual([
      ['original', computeKey(old)],
    ]);
    expect(plan.kept).toEqual({ candidates: 1, history: 1 });
  });

  it('adds candidates and earlier takes only when asked', () => {
    const plan = planPrune(lock, referenced, 'src/assets/herogen', {
      history: true,
      variants: true,
    });
    expect(plan.remove.map((item) => item.kind)).toEqual(['original', 'candidate', 'history']);
    expect(plan.kept).toEqual({ candidates: 0, history: 0 });
  });
});

describe('referencedKeys', () => {
  it('includes the key each hero would have under every provider, not just the planned one', () => {
    const config = resolveConfig({ root: '/tmp/x', env: {} });
    const registry = createProviderRegistry(config, {});
    const heroJob = job('src/content/a.md', request({ provider: 'local' }));
    const keys = referencedKeys([heroJob], config, registry);
    for (const id of ['openai', 'hiapi', 'local']) {
      const p = registry.get(id)!;
      const intent = {
        prompt: 'A fox',
        aspect: '16:9',
        resolution: '1K' as const,
        quality: 'medium',
        background: 'auto' as const,
        format: 'png' as const,
        references: [],
        variant: 0,
      };
      expect(keys.has(computeKey(p.prepare(intent, p.defaultModel)))).toBe(true);
    }
  });
});

describe('price overrides', () => {
  const overrides = {
    'openai:gpt-image-2': 0.1,
    'openai:gpt-image-2:medium': 0.2,
    'openai:gpt-image-2:1360x768': 0.3,
    'openai:gpt-image-2:medium:1360x768': 0.4,
    'hiapi:gpt-image-2:2K': 0.05,
  };
  it('the most specific key wins; the first written breaks a tie', () => {
    expect(findPriceOverride(request(), overrides)?.usd).toBe(0.4);
    expect(findPriceOverride(request({ size: '1024x1024' }), overrides)?.usd).toBe(0.2);
    expect(findPriceOverride(request({ quality: 'high' }), overrides)?.usd).toBe(0.3);
    expect(findPriceOverride(request({ quality: 'high', size: '1024x1024' }), overrides)?.usd).toBe(
      0.1,
    );
    expect(findPriceOverride(request({ model: 'gpt-image-2.6' }), overrides)).toBeUndefined();
    const hiapi = request({ provider: 'hiapi', size: undefined, resolution: '2K' });
    expect(findPriceOverride(hiapi, overrides)?.usd).toBe(0.05);
    expect(findPriceOverride({ ...hiapi, resolution: '1K' }, overrides)).toBeUndefined();
  });

  it('wraps estimate and non-exact recorded costs, keeps exact ones', async () => {
    let cost: { costUsd?: number; costConfidence?: 'exact' | 'estimate' } = {};
    const base = {
      id: 'openai',
      paid: true,
      estimate: () => ({ usd: 9, confidence: 'estimate' as const }),
      generate: async () => ({ bytes: new Uint8Array(), mediaType: 'image/png', ...cost }),
    } as unknown as HeroProvider;
    const priced = withPriceOverrides(base, { 'openai:gpt-image-2': 0.07 });
    expect(priced.id).toBe('openai');
    expect(priced.paid).toBe(true);
    expect(priced.estimate(request())).toEqual({ usd: 0.07, confidence: 'estimate' });
    expect(priced.estimate(request({ model: 'other' }))).toEqual({
      usd: 9,
      confidence: 'estimate',
    });
    const context = {} as Parameters<HeroProvider['generate']>[1];
    cost = { costUsd: 0.5, costConfidence: 'estimate' };
    expect((await priced.generate(request(), context)).costUsd).toBe(0.07);
    cost = { costUsd: 0.5, costConfidence: 'exact' };
    expect((await priced.generate(request(), context)).costUsd).toBe(0.5);
    cost = { costUsd: 0.5 };
    expect((await priced.generate(request(), context)).costUsd).toBe(0.5);
    expect(withPriceOverrides(base, {})).toBe(base);
  });
});
