import type { HeroEntry } from './entries.js';
import { failure, notAHero } from './errors.js';
import type { HeroImage, HeroMap } from './hero.js';
import { heroModuleCode, virtualModuleCode } from './hero-image.js';
import { heroFileOf, RESOLVED_VIRTUAL_ID } from './ids.js';

/** Where modules get their heroes: the dev session, or the build session for one environment. */
export interface HeroSource {
  /** Every hero of the site; dev may plan only the files in `only`. */
  entries(only?: string[]): Promise<Map<string, HeroEntry>>;
  hero(entry: HeroEntry): Promise<HeroImage>;
}

export interface LoadContext {
  source: HeroSource;
  toRelative(absolute: string): string;
  addWatchFile(absolute: string): void;
}

/** The code of a `?hero` module or of `virtual:herogen`; undefined for other ids. */
export async function loadModule(
  id: string,
  context: LoadContext,
): Promise<{ code: string; moduleType: 'js' } | undefined> {
  const absolute = heroFileOf(id);
  if (absolute === undefined && id !== RESOLVED_VIRTUAL_ID) return undefined;
  const { source } = context;
  try {
    if (absolute !== undefined) {
      context.addWatchFile(absolute);
      const file = context.toRelative(absolute);
      const entry = (await source.entries([file])).get(file);
      if (!entry) throw notAHero(file);
      return { code: heroModuleCode(await source.hero(entry)), moduleType: 'js' };
    }
    const sorted = [...(await source.entries()).values()].sort((a, b) =>
      a.file < b.file ? -1 : 1,
    );
    const images = await Promise.all(sorted.map((entry) => source.hero(entry)));
    const heroes: HeroMap = {};
    sorted.forEach((entry, index) => {
      const image = images[index];
      if (image) heroes[entry.file] = image;
    });
    return { code: virtualModuleCode(heroes), moduleType: 'js' };
  } catch (error) {
    throw failure(error);
  }
}
