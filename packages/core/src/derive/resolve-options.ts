import { HerogenError } from '../errors.js';
import { DERIVE_DEFAULTS } from './defaults.js';
import type { DeriveFormat, DeriveOptions, ResolvedDeriveOptions } from './types.js';

const FORMATS: readonly DeriveFormat[] = ['avif', 'webp', 'jpeg', 'png'];

function invalid(field: string, message: string): HerogenError {
  return new HerogenError('CONFIG_INVALID', `Image option "${field}" ${message}.`, {
    hint: 'Fix the option passed to the herogen plugin or deriveImage().',
  });
}

function checkInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Pure: fill in defaults and validate. Widths come back sorted and unique. */
export function resolveDeriveOptions(options: DeriveOptions = {}): ResolvedDeriveOptions {
  const widths = options.widths ?? DERIVE_DEFAULTS.widths;
  if (widths.length === 0) throw invalid('widths', 'must list at least one width');
  for (const width of widths) checkInt('widths', width, 1, 16_384);

  const formats = options.formats ?? (DERIVE_DEFAULTS.formats as DeriveFormat[]);
  if (formats.length === 0) throw invalid('formats', 'must list at least one format');
  for (const format of formats) {
    if (!FORMATS.includes(format)) {
      throw invalid(
        'formats',
        `has unknown format "${String(format)}" (use ${FORMATS.join(', ')})`,
      );
    }
  }

  const quality = { ...DERIVE_DEFAULTS.quality, ...options.quality };
  for (const format of FORMATS) checkInt(`quality.${format}`, quality[format], 1, 100);

  const ogFormat = options.ogFormat ?? 'jpeg';
  if (ogFormat !== 'jpeg' && ogFormat !== 'webp') {
    throw invalid('ogFormat', `must be "jpeg" or "webp", got "${String(ogFormat)}"`);
  }

  return {
    widths: [...new Set(widths)].sort((a, b) => a - b),
    formats: [...new Set(formats)],
    quality,
    avifEffort: checkInt('avifEffort', options.avifEffort ?? DERIVE_DEFAULTS.avifEffort, 0, 9),
    placeholderWidth: checkInt(
      'placeholderWidth',
      options.placeholderWidth ?? DERIVE_DEFAULTS.placeholderWidth,
      4,
      64,
    ),
    ogFormat,
    tagAiGenerated: options.tagAiGenerated ?? false,
  };
}
