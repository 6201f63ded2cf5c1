/**
 * What herogen knows about OpenAI image model ids (providers.md §1.2, as of 2026-11-22): which
 * are retired, which quality values each family takes, and which can do transparency. Unknown
 * ids are passed through unchecked, so a newer model works without a herogen release.
 */

export interface RetiredModel {
  /** `shut down` or `deprecated`. */
  status: 'shut down' | 'deprecated';
  date: string;
}

/** Refused locally: calling them would fail (or start failing mid-project). */
export const RETIRED_OPENAI_MODELS: Readonly<Record<string, RetiredModel>> = {
  'dall-e-2': { status: 'shut down', date: '2026-05-12' },
  'dall-e-3': { status: 'shut down', date: '2026-05-12' },
  'gpt-image-1': { status: 'shut down', date: '2026-10-23' },
  'gpt-image-1.5': { status: 'deprecated', date: '2026-12-01' },
  'gpt-image-1.5-2025-12-16': { status: 'deprecated', date: '2026-12-01' },
  'gpt-image-1-mini': { status: 'deprecated', date: '2026-12-01' },
  'chatgpt-image-latest': { status: 'deprecated', date: '2026-12-01' },
};

export const BASE_QUALITIES = ['low', 'medium', 'high', 'auto'] as const;
/** 2.5 and 2.6 add two higher tiers (third-party sources only; see providers.md §1.3). */
export const EXTENDED_QUALITIES = [...BASE_QUALITIES, 'xhigh', 'max'] as const;

export interface OpenAIModelInfo {
  /** The id without a `-YYYY-MM-DD` snapshot suffix. */
  family: string;
  qualities: readonly string[];
  transparency: boolean;
}

const KNOWN: Readonly<Record<string, OpenAIModelInfo>> = {
  'gpt-image-2': { family: 'gpt-image-2', qualities: BASE_QUALITIES, transparency: false },
  'gpt-image-2.5-sunburst': {
    family: 'gpt-image-2.5-sunburst',
    qualities: EXTENDED_QUALITIES,
    transparency: true,
  },
  'gpt-image-2.5-flare': {
    family: 'gpt-image-2.5-flare',
    qualities: EXTENDED_QUALITIES,
    transparency: true,
  },
  'gpt-image-2.6-sunburst': {
    family: 'gpt-image-2.6-sunburst',
    qualities: EXTENDED_QUALITIES,
    transparency: true,
  },
  'gpt-image-2.6-flare': {
    family: 'gpt-image-2.6-flare',
    qualities: EXTENDED_QUALITIES,
    transparency: true,
  },
};

/** Current model ids (retired ones are refused by `validate` with their own message). */
export const OPENAI_KNOWN_MODELS: readonly string[] = Object.keys(KNOWN);

const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/;

/** Facts about a known model id (snapshots included), or undefined for an unknown one. */
export function openAIModelInfo(model: string): OpenAIModelInfo | undefined {
  return KNOWN[model] ?? KNOWN[model.replace(SNAPSHOT, '')];
}

/** The retirement notice for a model id, if it is retired or about to be. */
export function retiredOpenAIModel(model: string): RetiredModel | undefined {
  return RETIRED_OPENAI_MODELS[model];
}
