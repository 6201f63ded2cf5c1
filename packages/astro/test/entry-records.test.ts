import { describe, expect, it } from 'vitest';
import { pickHeroData, readRecords, writeRecords } from '../src/content/entry-records.js';

function memoryMeta() {
  const values = new Map<string, string>();
  return {
    get: (key: string) => values.get(key),
    set: (key: string, value: string) => void values.set(key, value),
    has: (key: string) => values.has(key),
    delete: (key: string) => void values.delete(key),
    values,
  };
}

describe('entry records', () => {
  it('round-trip through the loader meta store, sorted by id', () => {
    const meta = memoryMeta();
    const records = new Map([
      ['b', { file: 'src/content/b.md', data: { hero: 'x' }, key: 'k2', placeholder: false }],
      ['a', { file: 'src/content/a.md', data: { hero: 'y' }, key: 'k1', placeholder: true }],
    ]);
    writeRecords(meta, records);
    expect(Object.keys(JSON.parse(meta.values.get('herogen:entries') ?? '{}'))).toEqual(['a', 'b']);
    expect(readRecords(meta)).toEqual(new Map([...records].sort(([a], [b]) => a.localeCompare(b))));
  });

  it('start empty when the stored value is missing or damaged', () => {
    const meta = memoryMeta();
    expect(readRecords(meta).size).toBe(0);
    meta.set('herogen:entries', '{not json');
    expect(readRecords(meta).size).toBe(0);
  });

  it('keep only the fields a hero depends on, as plain JSON', () => {
    const picked = pickHeroData(
      {
        title: 'T',
        description: 'D',
        pubDate: new Date('2026-01-02T00:00:00Z'),
        hero: { prompt: 'p' },
        tags: ['x'],
      },
      'hero',
    );
    expect(picked).toEqual({ hero: { prompt: 'p' }, title: 'T', description: 'D' });
  });
});
