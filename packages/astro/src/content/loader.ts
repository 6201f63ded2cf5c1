import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HerogenError } from '@herogen/core';
import type { Loader, LoaderContext } from 'astro/loaders';
import { toAstroError } from '../errors.js';
import { findProject, type ProjectState } from '../registry.js';
import { createStandaloneProject } from '../standalone.js';
import { createRecordBook, pickHeroData, type RecordBook } from './entry-records.js';
import { computeFingerprint } from './fingerprint.js';
import { isHeroRequest, relativeImagePath, toHeroData } from './hero-value.js';

/** Name shared by every wrapped loader, so the dev server can refresh just these. */
export const LOADER_NAME = 'herogen-loader';

const books = new Map<string, RecordBook>();
const FINGERPRINT_KEY = 'herogen:fingerprint';

export interface HerogenLoaderOptions {
  /**
   * What the hero field holds when it reaches the collection schema.
   * - `'hero'` (default): `{ image, alt, prompt, decorative, placeholder }`, for `heroSchema(image)`.
   * - `'image'`: only the image path, for a field the schema already declares with `image()`
   *   (the Astro blog template's `heroImage`). A plain string stays the author's own path.
   */
  output?: 'hero' | 'image';
}

/**
 * Wrap a loader that reads Markdown files (`glob()`, Starlight's `docsLoader()`) so each
 * entry's hero field points at its generated image before the schema validates it.
 */
export function herogenLoader(inner: Loader, options: HerogenLoaderOptions = {}): Loader {
  const output = options.output ?? 'hero';
  return {
    ...inner,
    name: LOADER_NAME,
    load: async (context) => {
      const root = path.resolve(fileURLToPath(context.config.root));
      const project = findProject(root) ?? (await createStandaloneProject(root, context.logger));
      const field = project.session.config.field;
      const bookKey = `${root}\0${context.collection}`;
      const book = books.get(bookKey) ?? createRecordBook(context.meta);
      book.attach(context.meta);
      books.set(bookKey, book);
      // glob() skips unchanged files, so after a restart only the records name them.
      for (const record of book.records.values()) project.loaderFiles.add(record.file);
      // Taken before the check, so a lock change during this load is seen by the next one.
      const fingerprint = await computeFingerprint(project.session);
      if (context.meta.get(FINGERPRINT_KEY) !== fingerprint) {
        await dropStaleEntries(project, context, book);
      }

      const parseData: LoaderContext['parseData'] = async (props) => {
        const value = props.data[field];
        const ours =
          value !== undefined && value !== null && (output === 'hero' || isHeroRequest(value));
        if (!props.filePath || !ours) {
          book.delete(props.id);
          return context.parseData(props);
        }
        const file = path.relative(root, props.filePath).split(path.sep).join('/');
        project.loaderFiles.add(file);
        const hero = await resolveStored(project, file, props.data);
        if (!hero) {
          book.delete(props.id);
          return context.parseData(props);
        }
        book.set(props.id, {
          file,
          data: pickHeroData(props.data, field),
          key: hero.key,
          placeholder: hero.placeholder,
        });
        const injected =
          output === 'image'
            ? relativeImagePath(props.filePath, hero.absolutePath)
            : toHeroData(props.filePath, hero);
        return context.parseData({ ...props, data: { ...props.data, [field]: injected } });
      };

      await inner.load({ ...context, parseData });
      for (const id of [...book.records.keys()]) if (!context.store.has(id)) book.delete(id);
      book.flush();
      context.meta.set(FINGERPRINT_KEY, fingerprint);
    },
  };
}

/** The entry's hero with its image on disk: stored now if the integration has not yet. */
async function resolveStored(project: ProjectState, file: string, data: Record<string, unknown>) {
  try {
    const hero = await project.session.resolveEntry(file, data);
    if (!hero || hero.exists) return hero;
    await project.ensure([file]);
    const again = await project.session.resolveEntry(file, data);
    if (again?.exists) return again;
    throw new HerogenError('STORE_IO', `no image was stored for the hero of ${file}`, {
      location: { file, field: project.session.config.field },
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
  book: RecordBook,
): Promise<void> {
  await Promise.all(
    [...book.records].map(async ([id, record]) => {
      if (!context.store.has(id)) return;
      const hero = await project.session
        .resolveEntry(record.file, record.data)
        .catch(() => undefined);
      if (!hero || hero.key !== record.key || hero.placeholder !== record.placeholder) {
        context.store.delete(id);
        book.delete(id);
      }
    }),
  );
}
