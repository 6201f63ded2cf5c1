import type { DerivedImage, DerivedSet } from '@herogen/core/derive';
import { describe, expect, it } from 'vitest';
import { createDebounceRunner } from '../src/debounce-runner.js';
import type { HeroEntry } from '../src/entries.js';
import { heroModuleCode, toHeroImage, virtualModuleCode } from '../src/hero-image.js';
import { heroFileOf } from '../src/ids.js';
import { splitOptions } from '../src/options.js';

describe('splitOptions', () => {
  it('sends herogen config to core and image options to the deriver', () => {
    const split = splitOptions({
      content: 'posts/*.md',
      style: 'watercolour',
      widths: [400, 800],
      formats: ['webp', 'jpeg'],
      imageQuality: { webp: 70 },
      avifEffort: 2,
      placeholder: 24,
      tagAiGenerated: true,
      sizes: '50vw',
      ogFormat: 'webp',
      configFile: false,
    });
    expect(split.core).toEqual({ content: 'posts/*.md', style: 'watercolour' });
    expect(split.derive).toEqual({
      widths: [400, 800],
      formats: ['webp', 'jpeg'],
      quality: { webp: 70 },
      avifEffort: 2,
      placeholderWidth: 24,
      tagAiGenerated: true,
      ogFormat: 'webp',
    });
    expect(split).toMatchObject({ placeholder: true, sizes: '50vw', configFile: false });
  });

  it('has defaults and lets placeholder be turned off', () => {
    expect(splitOptions()).toEqual({
      core: {},
      derive: {},
      placeholder: true,
      sizes: '100vw',
      configFile: undefined,
      review: {},
    });
    expect(splitOptions({ placeholder: false }).placeholder).toBe(false);
    expect(splitOptions({ review: false }).review).toBe(false);
  });

  it('passes encoders to the deriver and refuses a value that is not a whole number ≥ 1', () => {
    expect(splitOptions({ encoders: 2 }).encoders).toBe(2);
    expect(splitOptions({ encoders: 2 }).core).toEqual({});
    for (const encoders of [0, 1.5, -1, Number.NaN]) {
      expect(() => splitOptions({ encoders })).toThrow(/`encoders` must be a whole number/);
    }
  });
});

describe('toHeroImage', () => {
  const image = (format: DerivedImage['format'], width: number): DerivedImage => ({
    format,
    width,
    height: width / 2,
    path: `/cache/abc/${width}.${format}`,
    bytes: 100,
  });
  const set: DerivedSet = {
    original: { width: 1000, height: 500, format: 'png', sha256: 'abc' },
    images: [image('avif', 500), image('avif', 1000), image('jpeg', 500), image('jpeg', 1000)],
    placeholder: 'data:image/webp;base64,AAAA',
    dominantColor: '#112233',
    og: { format: 'jpeg', width: 1200, height: 630, path: '/cache/abc/og.jpeg', bytes: 50 },
  };
  const entry: HeroEntry = {
    file: 'posts/a.md',
    key: 'k1',
    original: '/root/src/assets/herogen/k1.png',
    stored: true,
    alt: 'Alt text',
    status: 'generated',
    provider: 'openai',
    pending: false,
  };
  const urlOf = (i: DerivedImage) => `/u${i.path}`;

  it('uses the last format as the fallback and the others as sources', () => {
    const hero = toHeroImage(entry, set, { sizes: '100vw', placeholder: true, urlOf });
    expect(hero).toEqual({
      src: '/u/cache/abc/1000.jpeg',
      srcset: '/u/cache/abc/500.jpeg 500w, /u/cache/abc/1000.jpeg 1000w',
      sizes: '100vw',
      width: 1000,
      height: 500,
      format: 'jpeg',
      sources: [
        { type: 'image/avif', srcset: '/u/cache/abc/500.avif 500w, /u/cache/abc/1000.avif 1000w' },
      ],
      placeholder: 'data:image/webp;base64,AAAA',
      dominantColor: '#112233',
      alt: 'Alt text',
      og: { src: '/u/cache/abc/og.jpeg', width: 1200, height: 630 },
      key: 'k1',
      status: 'generated',
      file: 'posts/a.md',
    });
  });

  it('drops the placeholder when turned off and serialises to modules', () => {
    const hero = toHeroImage(entry, set, { sizes: '100vw', placeholder: false, urlOf });
    expect(hero.placeholder).toBe('');
    expect(heroModuleCode(hero)).toMatch(/^export default \{/);
    expect(virtualModuleCode({ 'posts/a.md': hero })).toContain('export const heroes = {');
  });
});

describe('heroFileOf', () => {
  it('strips the ?hero query and ignores other ids', () => {
    expect(heroFileOf('/site/posts/a.md?hero')).toBe('/site/posts/a.md');
    expect(heroFileOf('/site/posts/a.md?raw')).toBeUndefined();
  });
});

describe('createDebounceRunner', () => {
  it('runs once per burst of saves and once more for a save during a run', async () => {
    const runs: string[] = [];
    let release: () => void = () => {};
    const runner = createDebounceRunner(10, async (key) => {
      runs.push(key);
      if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    runner.schedule('a');
    runner.schedule('a');
    runner.schedule('a');
    // Wait for the first run to start, then save again while it runs.
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    runner.schedule('a');
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    await runner.idle();
    expect(runs).toEqual(['a', 'a']);
  });

  it('cancel drops pending runs', async () => {
    const runs: string[] = [];
    const runner = createDebounceRunner(10, async (key) => {
      runs.push(key);
    });
    runner.schedule('b');
    runner.cancel();
    await runner.idle();
    expect(runs).toEqual([]);
  });
});
