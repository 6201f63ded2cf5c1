import { describe, expect, it } from 'vitest';
import {
  createRecordBook,
  type EntryRecord,
  pickHeroData,
  readRecords,
  writeRecords,
} from '../src/content/entry-records.js';

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
    const records = new Map<string, EntryRecord>([
      [
        'b',
        {
          file: 'src/content/b.md',
          data: { hero: 'x' },
          heroes: { hero: { key: 'k2', placeholder: false } },
        },
      ],
      [
        'a',
        {
          file: 'src/content/a.md',
          data: { hero: 'y', heroImage: { prompt: 'z' } },
          heroes: {
            hero: { key: 'k1', placeholder: true },
            heroImage: { key: 'k3', placeholder: false },
          },
        },
      ],
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

  it('keep only the fields heroes depend on, as plain JSON', () => {
    const picked = pickHeroData(
      {
        title: 'T',
        description: 'D',
        pubDate: new Date('2026-01-02T00:00:00Z'),
        hero: { prompt: 'p' },
        heroImage: '../cover.png',
        tags: ['x'],
      },
      [
        { name: 'hero', mode: 'hero' },
        { name: 'heroImage', mode: 'image' },
        { name: 'cover', mode: 'hero' },
      ],
    );
    expect(picked).toEqual({
      hero: { prompt: 'p' },
      heroImage: '../cover.png',
      title: 'T',
      description: 'D',
    });
  });
});

describe('createRecordBook', () => {
  const record = (key: string) => ({
    file: 'src/content/a.md',
    data: {},
    heroes: { hero: { key, placeholder: false } },
  });

  it('writes changes made after a load (glob watcher parses) through to the meta store', async () => {
    const meta = memoryMeta();
    const book = createRecordBook(meta);
    book.set('a', record('k1'));
    book.set('b', record('k2'));
    book.delete('b');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect([...readRecords(meta).keys()]).toEqual(['a']);
  });

  it('holds the changes of a load until its flush, one write, then writes through again', async () => {
    const meta = memoryMeta();
    let writes = 0;
    const counted = {
      ...meta,
      set: (key: string, value: string) => {
        writes++;
        meta.set(key, value);
      },
    };
    const book = createRecordBook(counted as typeof meta);
    book.hold();
    for (let n = 0; n < 5; n++) {
      book.set(`e${n}`, record(`k${n}`));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(writes).toBe(0);
    book.flush();
    expect(writes).toBe(1);
    expect([...readRecords(meta).keys()]).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    book.delete('e0');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(writes).toBe(2);
    expect([...readRecords(meta).keys()]).toEqual(['e1', 'e2', 'e3', 'e4']);
  });

  it('follows the meta store of the latest load, flushing pending changes to the old one first', () => {
    const first = memoryMeta();
    const book = createRecordBook(first);
    book.set('a', record('k1'));
    const second = memoryMeta();
    writeRecords(second, new Map([['z', record('k9')]]));
    book.attach(second);
    expect([...readRecords(first).keys()]).toEqual(['a']);
    expect([...book.records.keys()]).toEqual(['z']);
    book.set('y', record('k8'));
    book.flush();
    expect([...readRecords(second).keys()]).toEqual(['y', 'z']);
  });
});
