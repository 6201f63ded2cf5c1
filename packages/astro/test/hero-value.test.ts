import path from 'node:path';
import type { EntryHero } from '@herogen/core';
import { describe, expect, it } from 'vitest';
import { isHeroRequest, relativeImagePath, toHeroData } from '../src/content/hero-value.js';

const root = path.resolve('/site');

describe('relativeImagePath', () => {
  it('walks up from nested entries to the originals folder', () => {
    expect(
      relativeImagePath(
        path.join(root, 'src/content/blog/notes/a.md'),
        path.join(root, 'src/assets/herogen/k.png'),
      ),
    ).toBe('../../../assets/herogen/k.png');
  });

  it('starts with ./ when the image sits beside or below the entry', () => {
    expect(
      relativeImagePath(path.join(root, 'src/a.md'), path.join(root, 'src/assets/k.png')),
    ).toBe('./assets/k.png');
  });
});

describe('toHeroData', () => {
  it('keeps what the schema declares and the path relative to the entry', () => {
    const hero: EntryHero = {
      key: 'abc',
      absolutePath: path.join(root, 'src/assets/herogen/abc.png'),
      file: 'src/assets/herogen/abc.png',
      alt: 'A kite',
      decorative: false,
      prompt: 'A red kite',
      provider: 'openai',
      model: 'gpt-image-2',
      placeholder: true,
      exists: true,
    };
    expect(toHeroData(path.join(root, 'src/content/blog/a.md'), hero)).toEqual({
      image: '../../assets/herogen/abc.png',
      alt: 'A kite',
      prompt: 'A red kite',
      decorative: false,
      placeholder: true,
    });
  });
});

describe('isHeroRequest', () => {
  it('takes prompt objects and auto, and leaves an author path string alone', () => {
    expect(isHeroRequest({ prompt: 'x', alt: 'y' })).toBe(true);
    expect(isHeroRequest({ auto: true })).toBe(true);
    expect(isHeroRequest('auto')).toBe(true);
    expect(isHeroRequest('../../assets/cover.jpg')).toBe(false);
    expect(isHeroRequest({ file: './x.png' })).toBe(false);
    expect(isHeroRequest(['prompt'])).toBe(false);
  });
});
