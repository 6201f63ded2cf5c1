import { describe, expect, it } from 'vitest';
import { formatSummary } from '../src/run/format-summary.js';
import { agree, plural } from '../src/text/plural.js';

describe('plural and agree', () => {
  it('uses the singular for one and the plural otherwise', () => {
    expect(plural(1, 'image')).toBe('1 image');
    expect(plural(0, 'image')).toBe('0 images');
    expect(plural(2, 'image')).toBe('2 images');
    expect(plural(1, 'hero', 'heroes')).toBe('1 hero');
    expect(plural(3, 'hero', 'heroes')).toBe('3 heroes');
  });

  it('makes verbs agree with the count', () => {
    expect(`${plural(1, 'image')} ${agree(1, 'gets', 'get')}`).toBe('1 image gets');
    expect(`${plural(4, 'image')} ${agree(4, 'gets', 'get')}`).toBe('4 images get');
  });

  it('is what the run summary uses', () => {
    const summary = {
      cached: 0,
      generated: 0,
      failed: 0,
      costUsd: 0,
      costIsEstimate: false,
      interrupted: false,
      results: [],
    };
    expect(formatSummary({ ...summary, placeholders: 1 })).toContain('1 placeholder ·');
    expect(formatSummary({ ...summary, placeholders: 2 })).toContain('2 placeholders ·');
  });
});
