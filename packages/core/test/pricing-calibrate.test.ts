import { describe, expect, it } from 'vitest';
import {
  calibrateEstimate,
  collectRecordedCosts,
  costKind,
  estimateCost,
} from '../src/pricing/calibrate.js';
import type {
  CostConfidence,
  GenerationRequest,
  HeroProvider,
  Lock,
  LockEntry,
} from '../src/types.js';

const request = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  provider: 'openai',
  model: 'gpt-image-2',
  prompt: 'a fox',
  size: '1360x768',
  quality: 'medium',
  format: 'png',
  references: [],
  variant: 1,
  ...extra,
});

function entry(
  costUsd: number | null,
  confidence: CostConfidence = 'exact',
  extra: Partial<LockEntry> = {},
  req = request(),
): LockEntry {
  return {
    file: 'src/assets/herogen/x.png',
    sha256: 'a'.repeat(64),
    bytes: 10,
    width: 1360,
    height: 768,
    format: 'png',
    provider: req.provider,
    model: req.model,
    prompt: req.prompt,
    request: req,
    createdAt: '2026-11-22T00:00:00.000Z',
    costUsd,
    costConfidence: confidence,
    ...extra,
  };
}

const lockOf = (entries: LockEntry[], history: LockEntry[] = []): Lock => ({
  version: 1,
  images: Object.fromEntries(entries.map((e, i) => [`k${i}`, e])),
  pending: {},
  ...(history.length > 0
    ? {
        history: {
          k0: history.map((h) => ({
            ...h,
            replacedAt: h.createdAt,
            reason: 'regenerate' as const,
          })),
        },
      }
    : {}),
});

const TABLE = { usd: 0.0529, confidence: 'estimate' as const };

describe('estimates calibrated from recorded costs', () => {
  it('keeps the table estimate when nothing of the kind is recorded', () => {
    const recorded = collectRecordedCosts(
      lockOf([entry(0.032, 'exact', {}, request({ quality: 'high' }))]),
    );
    expect(calibrateEstimate(request(), TABLE, recorded)).toEqual(TABLE);
  });

  it('uses the median of exact costs of the same provider, model, size and quality', () => {
    const recorded = collectRecordedCosts(
      lockOf([
        entry(0.031),
        entry(0.034),
        entry(0.032),
        entry(0.9, 'exact', {}, request({ size: '1024x1024' })),
      ]),
    );
    expect(calibrateEstimate(request({ prompt: 'another' }), TABLE, recorded)).toEqual({
      usd: 0.032,
      confidence: 'estimate',
      calibratedFrom: 3,
    });
    // An even count: the mean of the middle two.
    const even = collectRecordedCosts(lockOf([entry(0.03), entry(0.034)]));
    expect(calibrateEstimate(request(), TABLE, even).usd).toBe(0.032);
  });

  it('learns nothing from placeholders, estimated or unknown costs; earlier takes count', () => {
    const recorded = collectRecordedCosts(
      lockOf(
        [entry(0, 'exact', { placeholder: true }), entry(0.04, 'estimate'), entry(null, 'unknown')],
        [entry(0.033)],
      ),
    );
    expect(recorded.get(costKind(request()))).toEqual([0.033]);
  });

  it('keeps edits (reference images are paid input) apart from plain generations', () => {
    const edit = request({ references: [{ path: 'a.png', sha256: 'b'.repeat(64) }] });
    expect(costKind(edit)).not.toBe(costKind(request()));
    const recorded = collectRecordedCosts(lockOf([entry(0.06, 'exact', {}, edit)]));
    expect(calibrateEstimate(request(), TABLE, recorded)).toEqual(TABLE);
  });

  it('a site price override wins over recorded costs', () => {
    const provider = { estimate: () => TABLE } as unknown as HeroProvider;
    const recorded = collectRecordedCosts(lockOf([entry(0.032)]));
    expect(estimateCost(provider, request(), recorded, undefined).calibratedFrom).toBe(1);
    expect(
      estimateCost(provider, request(), recorded, { 'openai:gpt-image-2:medium': 0.05 }),
    ).toEqual(TABLE);
  });
});
