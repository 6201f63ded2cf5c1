import { describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import {
  hiapiAspects,
  hiapiSize,
  isValidOpenAISize,
  nearestHiapiAspect,
  parseAspect,
  parseSize,
  sizeForAspect,
  validateOpenAISize,
} from '../src/image/sizing.js';
import type { Resolution } from '../src/types.js';

// Golden table: changing any of these changes cache keys of every hero that relies on `aspect`.
const GOLDEN: Record<string, Record<Resolution, string>> = {
  '16:9': { '1K': '1360x768', '2K': '2736x1536', '4K': '3840x2160' },
  '3:2': { '1K': '1248x832', '2K': '2496x1664', '4K': '3520x2352' },
  '4:3': { '1K': '1168x880', '2K': '2368x1776', '4K': '3312x2480' },
  '1:1': { '1K': '1024x1024', '2K': '2048x2048', '4K': '2880x2880' },
  '21:9': { '1K': '1568x672', '2K': '3136x1344', '4K': '3840x1648' },
  '9:16': { '1K': '768x1360', '2K': '1536x2736', '4K': '2160x3840' },
  '3:1': { '1K': '1776x592', '2K': '3552x1184', '4K': '3840x1280' },
  '1:3': { '1K': '592x1776', '2K': '1184x3552', '4K': '1280x3840' },
};

describe('parseAspect / parseSize', () => {
  it('parses well-formed values', () => {
    expect(parseAspect('16:9')).toEqual({ w: 16, h: 9 });
    expect(parseSize('1536x864')).toEqual({ width: 1536, height: 864 });
  });

  it('rejects malformed values with REQUEST_INVALID', () => {
    for (const bad of ['16/9', '0:9', 'wide', '']) {
      expect(() => parseAspect(bad)).toThrow(HerogenError);
    }
    for (const bad of ['1536*864', '0x864', '1536x', 'big']) {
      try {
        parseSize(bad);
        expect.unreachable(`${bad} should not parse`);
      } catch (error) {
        expect(HerogenError.is(error) && error.code).toBe('REQUEST_INVALID');
      }
    }
  });
});

describe('sizeForAspect', () => {
  for (const [aspect, tiers] of Object.entries(GOLDEN)) {
    for (const [resolution, expected] of Object.entries(tiers)) {
      it(`${aspect} at ${resolution} is ${expected}`, () => {
        const size = sizeForAspect(aspect, resolution as Resolution);
        expect(size).toBe(expected);
        expect(validateOpenAISize(size)).toEqual([]);
      });
    }
  }

  it('stays near the tier budget and the ratio for every hiapi aspect', () => {
    for (const aspect of hiapiAspects('gpt-image-2').filter((a) => a !== 'auto')) {
      const { w, h } = parseAspect(aspect);
      for (const [resolution, budget] of [
        ['1K', 1_048_576],
        ['2K', 4_194_304],
      ] as const) {
        const { width, height } = parseSize(sizeForAspect(aspect, resolution));
        expect(isValidOpenAISize(width, height)).toBe(true);
        expect(Math.abs(width * height - budget) / budget).toBeLessThan(0.05);
        expect(Math.abs(Math.log((width * h) / (height * w)))).toBeLessThan(0.015);
      }
    }
  });

  it('picks the smaller ratio error for 16:9 at 1K, not the exact 16:9 sizes off budget', () => {
    // 1360x768 is 0.4% off 16:9; 1376x768 is 0.8% off; 1280x720 is exact but 12% under budget.
    expect(sizeForAspect('16:9', '1K')).toBe('1360x768');
  });

  it('rejects ratios OpenAI cannot produce', () => {
    expect(() => sizeForAspect('4:1', '1K')).toThrow(/outside 1:3\.\.3:1/);
    expect(() => sizeForAspect('1:4', '2K')).toThrow(HerogenError);
  });
});

describe('validateOpenAISize', () => {
  it('accepts valid sizes', () => {
    for (const size of ['1024x1024', '1536x864', '3840x2160', '1024x640', '2880x2880']) {
      expect(validateOpenAISize(size)).toEqual([]);
    }
  });

  it('explains a side that is not a multiple of 16 and offers nearby sizes', () => {
    expect(validateOpenAISize('1920x1080')).toEqual([
      {
        field: 'size',
        message: '1920x1080: height 1080 is not a multiple of 16; use 1920x1088 or 1792x1008',
      },
    ]);
    expect(validateOpenAISize('1000x1000')[0]?.message).toBe(
      '1000x1000: width 1000 and height 1000 are not multiples of 16; use 1008x1008 or 992x992',
    );
  });

  it('explains pixel count limits', () => {
    expect(validateOpenAISize('640x640')).toEqual([
      {
        field: 'size',
        message: '640x640: 409,600 pixels is under the 655,360 minimum; use 816x816',
      },
    ]);
    expect(validateOpenAISize('3600x3600')[0]?.message).toBe(
      '3600x3600: 12,960,000 pixels is over the 8,294,400 maximum; use 2880x2880',
    );
  });

  it('explains the edge and ratio limits, one issue per broken rule', () => {
    expect(validateOpenAISize('4096x2304').map((issue) => issue.message)).toEqual([
      '4096x2304: the longest edge 4096 is over 3840; use 3840x2160',
      '4096x2304: 9,437,184 pixels is over the 8,294,400 maximum; use 3840x2160',
    ]);
    const tall = validateOpenAISize('800x3200', 'hero.size');
    expect(tall).toEqual([
      {
        field: 'hero.size',
        message: '800x3200: the aspect ratio 1:4 is outside 1:3..3:1; use 928x2784',
      },
    ]);
  });

  it('names the expected shape for a malformed size', () => {
    expect(validateOpenAISize('large')).toEqual([
      {
        field: 'size',
        message: '"large" is not WIDTHxHEIGHT in pixels; use something like 1536x864',
      },
    ]);
  });

  it('every suggestion it makes is itself valid', () => {
    for (const size of ['1920x1080', '5000x5000', '100x900', '4000x1000', '1x1', '1000x2999']) {
      for (const issue of validateOpenAISize(size)) {
        const suggested = issue.message.match(/use (.+)$/)?.[1]?.split(' or ') ?? [];
        expect(suggested.length).toBeGreaterThan(0);
        for (const candidate of suggested) expect(validateOpenAISize(candidate)).toEqual([]);
      }
    }
  });
});

describe('hiapi aspects and sizes', () => {
  it('maps to the nearest ratio the model accepts', () => {
    expect(nearestHiapiAspect('16:9', 'gpt-image-2')).toBe('16:9');
    expect(nearestHiapiAspect('191:100', 'gpt-image-2')).toBe('2:1');
    expect(nearestHiapiAspect('2:1', 'gpt-image-2-pro')).toBe('16:9');
    expect(nearestHiapiAspect('3:1', 'gpt-image-2-pro')).toBe('21:9');
    expect(nearestHiapiAspect('1:3', 'gpt-image-2-pro')).toBe('9:16');
    expect(nearestHiapiAspect('7:5', 'gpt-image-2')).toBe('4:3');
    expect(nearestHiapiAspect('auto', 'gpt-image-2')).toBe('auto');
    expect(nearestHiapiAspect('auto', 'gpt-image-2-pro')).toBe('1:1');
    expect(nearestHiapiAspect('auto', 'gpt-image-2-image-to-image-pro')).toBe('auto');
  });

  it('lists each model family', () => {
    expect(hiapiAspects('gpt-image-2')).toContain('9:21');
    expect(hiapiAspects('gpt-image-2-image-to-image')).toContain('3:1');
    expect(hiapiAspects('gpt-image-2-pro')).not.toContain('3:1');
    expect(hiapiAspects('gpt-image-2-pro')).not.toContain('auto');
  });

  it('assumes hiapi returns the closest valid gpt-image-2 size for the tier', () => {
    expect(hiapiSize('16:9', '1K')).toBe('1360x768');
    expect(hiapiSize('16:9', '2K')).toBe('2736x1536');
    expect(hiapiSize('16:9', '4K')).toBe('3840x2160');
    expect(hiapiSize('auto', '1K')).toBe('1024x1024');
  });
});
