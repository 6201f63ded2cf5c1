import type { HeroField } from '@herogen/core';
import type { MetaStore } from 'astro/loaders';

/**
 * What the loader injected into one stored entry. glob() skips `parseData` while a file's
 * bytes are unchanged, so a config change (style, model, provider) or a placeholder replaced
 * by a real image would otherwise leave a stale value in the data store.
 */
export interface EntryRecord {
  /** Root-relative content file. */
  file: string;
  /** The frontmatter fields the heroes depend on, to resolve them again without re-reading. */
  data: Record<string, unknown>;
  /** Per hero field: the image it was given. */
  heroes: Record<string, { key: string; placeholder: boolean }>;
}

const META_KEY = 'herogen:entries';

/** Image mode: the sibling field the loader fills with the hero's alt text (`heroImageAlt`). */
export function altFieldOf(field: string): string {
  return `${field}Alt`;
}

export function readRecords(meta: MetaStore): Map<string, EntryRecord> {
  const raw = meta.get(META_KEY);
  if (!raw) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(raw) as Record<string, EntryRecord>));
  } catch {
    return new Map();
  }
}

export function writeRecords(meta: MetaStore, records: Map<string, EntryRecord>): void {
  const sorted = [...records.entries()].sort(([a], [b]) => a.localeCompare(b));
  meta.set(META_KEY, JSON.stringify(Object.fromEntries(sorted)));
}

/** The frontmatter heroes depend on: their own fields, and title/description for `hero: auto`. */
export function pickHeroData(
  data: Record<string, unknown>,
  fields: readonly HeroField[],
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const { name } of fields) if (data[name] !== undefined) picked[name] = data[name];
  if (data.title !== undefined) picked.title = data.title;
  if (data.description !== undefined) picked.description = data.description;
  return JSON.parse(JSON.stringify(picked)) as Record<string, unknown>;
}

/** The records of one collection, shared by every load of it in this process. */
export interface RecordBook {
  readonly records: ReadonlyMap<string, EntryRecord>;
  /** Point at the meta store of the current load; re-reads it when it is another store. */
  attach(meta: MetaStore): void;
  set(id: string, record: EntryRecord): void;
  delete(id: string): void;
  /**
   * A load starts: its changes wait for its `flush()` (one write, not one per event-loop turn
   * of a first load parsing hundreds of entries, each write serializing every record).
   */
  hold(): void;
  /** Write to the meta store now (the end of a load); changes after it are written through. */
  flush(): void;
}

/**
 * glob() keeps calling the `parseData` of the load that registered its file watcher, so
 * records live beside the collection, not in one load call, and are written through to the
 * meta store soon after each change (batched, so a first load of many entries writes once).
 */
export function createRecordBook(meta: MetaStore): RecordBook {
  let current = meta;
  let records = readRecords(meta);
  let scheduled = false;
  let held = false;
  const flush = () => {
    scheduled = false;
    held = false;
    writeRecords(current, records);
  };
  const schedule = () => {
    if (scheduled || held) return;
    scheduled = true;
    setTimeout(() => {
      if (scheduled) flush();
    }, 0);
  };
  return {
    get records() {
      return records;
    },
    attach(next) {
      if (next === current) return;
      if (scheduled || held) flush();
      current = next;
      records = readRecords(next);
    },
    set(id, record) {
      records.set(id, record);
      schedule();
    },
    delete(id) {
      if (records.delete(id)) schedule();
    },
    hold() {
      held = true;
    },
    flush,
  };
}
