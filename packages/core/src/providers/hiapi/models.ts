/** hiapi's gpt-image-2 models and what each accepts (providers.md §2, as of 2026-11-22). */
import type { Resolution } from '../../types.js';

export interface HiapiModelInfo {
  resolutions: readonly Resolution[];
  /** True for the image-to-image models, which require `input_urls`. */
  needsInputs: boolean;
  /** The model to use instead when reference images are (or are not) given. */
  counterpart: string;
}

export const HIAPI_MODELS: Readonly<Record<string, HiapiModelInfo>> = {
  'gpt-image-2': {
    resolutions: ['1K', '2K', '4K'],
    needsInputs: false,
    counterpart: 'gpt-image-2-image-to-image',
  },
  'gpt-image-2-pro': {
    resolutions: ['1K', '2K'],
    needsInputs: false,
    counterpart: 'gpt-image-2-image-to-image-pro',
  },
  'gpt-image-2-image-to-image': {
    resolutions: ['1K', '2K', '4K'],
    needsInputs: true,
    counterpart: 'gpt-image-2',
  },
  'gpt-image-2-image-to-image-pro': {
    resolutions: ['1K', '2K'],
    needsInputs: true,
    counterpart: 'gpt-image-2-pro',
  },
};

export const HIAPI_MAX_PROMPT_LENGTH = 20_000;
export const HIAPI_MAX_INPUT_URLS = 5;

export function hiapiModelInfo(model: string): HiapiModelInfo | undefined {
  return HIAPI_MODELS[model];
}

/**
 * The model that fits the references: the image-to-image variant when there are some, the
 * plain one when there are none. Unknown models are left alone.
 */
export function hiapiModelFor(model: string, hasReferences: boolean): string {
  const info = hiapiModelInfo(model);
  if (!info || info.needsInputs === hasReferences) return model;
  return info.counterpart;
}
