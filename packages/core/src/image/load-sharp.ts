import { HerogenError } from '../errors.js';

type SharpModule = typeof import('sharp');
export type SharpFactory = SharpModule['default'];

let loading: Promise<SharpFactory> | undefined;

/** sharp, loaded on first use so importing core never loads a native binary it may not need. */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then(
    (module) => module.default,
    (error: unknown) => {
      loading = undefined;
      throw new HerogenError(
        'MISSING_DEPENDENCY',
        `herogen could not load sharp, which it needs to check and convert images (${(error as Error).message}).`,
        {
          cause: error,
          hint: 'Reinstall dependencies so sharp gets the binary for this platform: see https://sharp.pixelplumbing.com/install',
        },
      );
    },
  );
  return loading;
}
