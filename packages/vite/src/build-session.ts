import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { formatSummary, judgeRun } from '@herogen/core';
import type { DerivedImage, DerivedSet } from '@herogen/core/derive';
import { collectEntries, type HeroEntry, jobsAfterRun } from './entries.js';
import { heroesNotBuiltYet, missingOriginal } from './errors.js';
import type { HeroImage, HeroMap } from './hero.js';
import { toHeroImage } from './hero-image.js';
import type { PluginState } from './plugin-state.js';

/** What a build hook hands over to emit assets (Rollup's plugin context). */
export interface EmitContext {
  emitFile(file: { type: 'asset'; name: string; source: Uint8Array }): string;
}

/** A hero emitted in one build: what it is made of and each derivative's asset reference. */
interface BuiltHero {
  entry: HeroEntry;
  set: DerivedSet;
  refs: Map<string, string>;
}

/** `vite build`: generate the site once, then emit each hero's derivatives as assets. */
export interface BuildSession {
  /** Every hero of the site, once the site is generated (shared by all environments). */
  entries(): Promise<Map<string, HeroEntry>>;
  /** An environment's build starts: forget what an earlier round emitted for it. */
  startEnvironment(env: string): void;
  /** `vite build --watch`: generate and plan again on the next round. */
  reset(): void;
  /** Emit a hero's derivatives into `env`'s bundle; URLs are asset placeholders. */
  hero(context: EmitContext, env: string, entry: HeroEntry): Promise<HeroImage>;
  /** The browser bundle is generated: record its heroes with final URLs. */
  bundleGenerated(env: string, fileNameOf: (ref: string) => string): void;
  /** `plugin.api.heroes()` in a build. */
  heroes(): HeroMap;
}

/** The inner map of `key`, created empty on first use. */
function innerMap<K, V>(map: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function assetName(entry: HeroEntry, image: DerivedImage, og: boolean): string {
  const slug = basename(entry.file, extname(entry.file));
  return `${slug}-${og ? 'og' : `${image.width}w`}${extname(image.path)}`;
}

export function createBuildSession(state: PluginState): BuildSession {
  let entries: Promise<Map<string, HeroEntry>> | undefined;
  /** Per environment, derivative path → emitted asset reference. */
  const emitted = new Map<string, Map<string, Promise<string>>>();
  /** Per environment, the heroes it emitted, by content file, with their asset refs. */
  const built = new Map<string, Map<string, BuiltHero>>();
  /** The browser build's heroes with final URLs, once its bundle is generated. */
  let builtHeroes: HeroMap | undefined;

  /** Generate every missing image, then pick each file's hero from what the run stored. */
  async function generateSite(): Promise<Map<string, HeroEntry>> {
    const s = await state.getSession();
    const summary = await s.generate({ signal: state.abort.signal });
    state.lastSummary = summary;
    const log = state.logger();
    log.info(formatSummary(summary));
    // Same judgement as the Astro integration: a refused configuration stops the build.
    const verdict = judgeRun(summary, s.config, s.registry);
    for (const warning of verdict.warnings) log.warn(warning);
    if (verdict.error) throw verdict.error;
    const jobs = jobsAfterRun(summary);
    if (!jobs) return state.planEntries();
    const fields = s.config.field.map((field) => field.name);
    return collectEntries({ jobs }, state.root, fields);
  }

  /** Emit a derivative once per environment, however many heroes share it. */
  function emitImage(context: EmitContext, env: string, image: DerivedImage, name: string) {
    const refs = innerMap(emitted, env);
    let ref = refs.get(image.path);
    if (!ref) {
      ref = readFile(image.path).then((source) =>
        context.emitFile({ type: 'asset', name, source }),
      );
      refs.set(image.path, ref);
    }
    return ref;
  }

  return {
    entries() {
      entries ??= generateSite();
      return entries;
    },
    startEnvironment(env) {
      emitted.delete(env);
      built.delete(env);
    },
    reset() {
      entries = undefined;
    },
    async hero(context, env, entry) {
      if (!entry.stored || !existsSync(entry.original)) throw missingOriginal(entry);
      const set = await state.getDeriver().derive(entry.original, state.deriveOptionsFor(entry));
      const refs = new Map<string, string>();
      await Promise.all(
        [...set.images, set.og].map(async (image) => {
          const name = assetName(entry, image, image === set.og);
          refs.set(image.path, await emitImage(context, env, image, name));
        }),
      );
      innerMap(built, env).set(entry.file, { entry, set, refs });
      return toHeroImage(
        entry,
        set,
        state.heroContext((image) => `__VITE_ASSET__${refs.get(image.path)}__`),
      );
    },
    bundleGenerated(env, fileNameOf) {
      const base = state.config?.base ?? '/';
      const heroes: HeroMap = {};
      const sorted = [...(built.get(env)?.values() ?? [])].sort((a, b) =>
        a.entry.file < b.entry.file ? -1 : 1,
      );
      for (const { entry, set, refs } of sorted) {
        heroes[entry.file] = toHeroImage(
          entry,
          set,
          state.heroContext((image) => `${base}${fileNameOf(refs.get(image.path) ?? '')}`),
        );
      }
      builtHeroes = heroes;
    },
    heroes() {
      if (!builtHeroes) throw heroesNotBuiltYet();
      return builtHeroes;
    },
  };
}
