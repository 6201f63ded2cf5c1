import type { MetaStore } from 'astro/loaders';

/**
 * What the loader injected into one stored entry. glob() skips `parseData` while a file's
 * bytes are unchanged, so a config change (style, model, provider) or a placeholder replaced
 * by a real image would otherwise leave a stale value in the data store.
 */
export interface EntryRecord {
  /** Root-relative content file. */
  file: string;
  /** The frontmatter fields the hero depends on, to resolve it again without re-reading. */
  data: Record<string, unknown>;
  key: string;
  placeholder: boolean;
}

const META_KEY = 'herogen:entries';

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

/** The frontmatter a hero depends on: its own field, and title/description for `hero: auto`. */
export function pickHeroData(
  data: Record<string, unknown>,
  field: string,
): Record<string, unknown> {
  const picked: Record<string, unknown> = { [field]: data[field] };
  if (data.title !== undefined) picked.title = data.title;
  if (data.description !== undefined) picked.description = data.description;
  return JSON.parse(JSON.stringify(picked)) as Record<string, unknown>;
}
