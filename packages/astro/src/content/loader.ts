import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EntryHero, type HeroField, HerogenError } from '@herogen/core';
import type { Loader, LoaderContext } from 'astro/loaders';
import { toAstroError } from '../errors.js';
import { findProject, type ProjectState } from '../registry.js';
import { createStandaloneProject } from '../standalone.js';
import {
  altFieldOf,
  createRecordBook,
  type EntryRecord,
  pickHeroData,
  type RecordBook,
} from './entry-records.js';
import { computeFingerprint } from './fingerprint.js';
import { isHeroRequest, relativeImagePath, toHeroData } from './hero-value.js';

/** Name shared by every wrapped loader, so the dev server can refresh just these. */
export const LOADER_NAME = 'herogen-loader';

const entriesByCollection = new Map<string, RecordBook>();
const FINGERPRINT_KEY = 'herogen:fingerprint';
const FIELDS_KEY = 'herogen:fields';

export interface HerogenLoaderOptions {
  /**
   * Removed: a field's mode is set in the herogen config, where `herogen plan` and the build
   * both read it: `herogen({ field: { heroImage: 'image' } })`.
   * @deprecated
   */
  output?: never;
}

/**
 * Wrap a loader that reads Markdown files (`glob()`, Starlight's `docsLoader()`) so each
 * configured hero field points at its generated image before the schema validates it. Fields
 * and their modes come from the herogen config (`field`).
 */
export function herogenLoader(inner: Loader, options: HerogenLoaderOptions = {}): Loader {
  if ((options as { output?: unknown }).output !== undefined) throw movedOutputOption(options);
  return {
    ...inner,
    name: LOADER_NAME,
    load: async (context) => {
      const root = path.resolve(fileURLToPath(context.config.root));
      const project = findProject(root) ?? (await createStandaloneProject(root, context.logger));
      const fields = project.session.config.field;
      const collectionKey = `${root}\0${context.collection}`;
      const entries = entriesByCollection.get(collectionKey) ?? createRecordBook(context.meta);
      entries.attach(context.meta);
      entriesByCollection.set(collectionKey, entries);
      // Another set of fields: entries glob() would skip may hold a field now ours (or no more).
      const fieldsKey = JSON.stringify(fields);
      const previousFields = context.meta.get(FIELDS_KEY);
      if (previousFields !== undefined && previousFields !== fieldsKey) context.store.clear();
      // glob() skips unchanged files, so after a restart only the records name them.
      for (const record of entries.records.values()) project.loaderFiles.add(record.file);
      // Taken before the check, so a lock change during this load is seen by the next one.
      const fingerprint = await computeFingerprint(project.session);
      if (context.meta.get(FINGERPRINT_KEY) !== fingerprint) {
        await dropStaleEntries(project, context, entries);
      }

      const parseData: LoaderContext['parseData'] = async (props) => {
        const filePath = props.filePath;
        const requested = fields.filter((field) => isRequest(field, props.data[field.name]));
        if (!filePath || requested.length === 0) {
          entries.delete(props.id);
          return context.parseData(props);
        }
        const file = path.relative(root, filePath).split(path.sep).join('/');
        project.loaderFiles.add(file);
        const injected: Record<string, unknown> = {};
        const heroes: EntryRecord['heroes'] = {};
        for (const field of requested) {
          const hero = await resolveStored(project, file, props.data, field.name);
          if (!hero) continue;
          heroes[field.name] = { key: hero.key, placeholder: hero.placeholder };
          Object.assign(injected, injectedFields(field, filePath, hero, props.data));
        }
        if (Object.keys(heroes).length === 0) {
          entries.delete(props.id);
          return context.parseData(props);
        }
        entries.set(props.id, { file, data: pickHeroData(props.data, fields), heroes });
        const parsed = await context.parseData({ ...props, data: { ...props.data, ...injected } });
        warnDroppedAlt(context, requested, injected, parsed);
        return parsed;
      };

      const watcher = context.watcher && ownListeners(context.watcher, collectionKey);
      entries.hold();
      try {
        await inner.load({ ...context, parseData, ...(watcher ? { watcher } : {}) });
        for (const id of [...entries.records.keys()])
          if (!context.store.has(id)) entries.delete(id);
      } finally {
        entries.flush();
      }
      context.meta.set(FINGERPRINT_KEY, fingerprint);
      context.meta.set(FIELDS_KEY, fieldsKey);
    },
  };
}

/**
 * Whether a field's value asks herogen for an image: any value in hero mode; in image mode
 * only an object with a prompt (or `auto`), as the scan reads it.
 */
function isRequest(field: HeroField, value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  return field.mode === 'hero' || isHeroRequest(value);
}

/**
 * What an entry's data gets for one field: the hero object (hero mode), or the image path and
 * the alt text as `<field>Alt` (image mode; an alt the author wrote there is kept).
 */
function injectedFields(
  field: HeroField,
  entryFile: string,
  hero: EntryHero,
  data: Record<string, unknown>,
): Record<string, unknown> {
  if (field.mode === 'hero') return { [field.name]: toHeroData(entryFile, hero) };
  const altKey = altFieldOf(field.name);
  return {
    [field.name]: relativeImagePath(entryFile, hero.absolutePath),
    ...(data[altKey] === undefined ? { [altKey]: hero.alt } : {}),
  };
}

type Watcher = NonNullable<LoaderContext['watcher']>;
type Listener = (...args: unknown[]) => void;
/** Per collection: the watcher listeners its inner loader added on its last load. */
const innerListeners = new Map<string, [string, Listener][]>();

/**
 * The watcher handed to the inner loader, minus what it added last time. glob() adds a
 * change listener on every load, and Astro removes them only on a full sync, not on the
 * `refreshContent({ loaders })` herogen calls after each generation in dev: without this, every
 * image generated added one more listener, and one save was parsed (and logged "Reloaded data
 * from …" and its warnings) once per image generated since the server started.
 */
function ownListeners(watcher: Watcher, key: string): Watcher {
  for (const [event, listener] of innerListeners.get(key) ?? []) watcher.off(event, listener);
  const added: [string, Listener][] = [];
  innerListeners.set(key, added);
  return new Proxy(watcher, {
    get(target, property, receiver) {
      if (property !== 'on') return Reflect.get(target, property, receiver);
      return (event: string, listener: Listener) => {
        added.push([event, listener]);
        return target.on(event, listener);
      };
    },
  });
}

const warnedAlt = new Set<string>();

/** An image-mode alt the collection schema drops would render as `alt=""`: say so, once. */
function warnDroppedAlt(
  context: LoaderContext,
  fields: readonly HeroField[],
  injected: Record<string, unknown>,
  parsed: Record<string, unknown>,
): void {
  for (const field of fields) {
    const altKey = altFieldOf(field.name);
    if (field.mode !== 'image' || !injected[altKey] || altKey in parsed) continue;
    const once = `${context.collection}\0${altKey}`;
    if (warnedAlt.has(once)) continue;
    warnedAlt.add(once);
    context.logger.warn(
      `the schema of collection "${context.collection}" has no \`${altKey}\`, so the alt text of ${field.name} is dropped; add \`${altKey}: z.string().optional()\` to it and render \`alt={${altKey}}\` in your layout`,
    );
  }
}

function movedOutputOption(options: HerogenLoaderOptions): HerogenError {
  const output = String((options as { output?: unknown }).output);
  return new HerogenError(
    'CONFIG_INVALID',
    `herogenLoader(..., { output: '${output}' }): the output option moved into the herogen config, where \`herogen plan\` reads it too.`,
    {
      hint: "Remove it from herogenLoader() and give the field its mode in herogen(): herogen({ field: { heroImage: 'image' } }).",
    },
  );
}

/** The entry's hero with its image on disk: stored now if the integration has not yet. */
async function resolveStored(
  project: ProjectState,
  file: string,
  data: Record<string, unknown>,
  field: string,
) {
  try {
    const hero = await project.session.resolveEntry(file, data, { field });
    if (!hero || hero.exists) return hero;
    await project.ensure([file]);
    const again = await project.session.resolveEntry(file, data, { field });
    if (again?.exists) return again;
    throw new HerogenError('STORE_IO', `no image was stored for the hero of ${file}`, {
      location: { file, field },
      hint: `herogen only scans files matching \`content\` (${[project.session.config.content].flat().join(', ')}); add this file's folder there`,
    });
  } catch (error) {
    throw toAstroError(error);
  }
}

/**
 * Delete stored entries whose injected hero would now differ (another key after a config
 * change, or a placeholder since replaced by a real image), so glob() parses them again.
 */
async function dropStaleEntries(
  project: ProjectState,
  context: LoaderContext,
  entries: RecordBook,
): Promise<void> {
  await Promise.all(
    [...entries.records].map(async ([id, record]) => {
      if (!context.store.has(id)) return;
      if (!(await isCurrent(project, record))) {
        context.store.delete(id);
        entries.delete(id);
      }
    }),
  );
}

/** Every hero a record holds would be injected the same way now. */
async function isCurrent(project: ProjectState, record: EntryRecord): Promise<boolean> {
  // A record of an older herogen (one hero, no `heroes`) is parsed again.
  if (typeof record.heroes !== 'object' || record.heroes === null) return false;
  for (const [field, stored] of Object.entries(record.heroes)) {
    const hero = await project.session
      .resolveEntry(record.file, record.data, { field })
      .catch(() => undefined);
    if (!hero || hero.key !== stored.key || hero.placeholder !== stored.placeholder) return false;
  }
  return true;
}
