/**
 * Estimates that learn from what images really cost. Price tables err high on purpose (a
 * budget must not be overrun), but once the lock holds exact costs (from a response's `usage`)
 * for the same kind of image, their median is a better estimate than any table. Pure: the
 * recorded costs come in as data, gathered from the lock by the caller.
 */
import type { CostEstimate, GenerationRequest, HeroProvider, Lock, LockEntry } from '../types.js';
import { findPriceOverride, type PriceOverrides } from './overrides.js';

/** Exact recorded costs in USD, per kind of image (`costKind`). */
export type RecordedCosts = ReadonlyMap<string, readonly number[]>;

/**
 * What makes two requests cost the same: provider, model, size (or aspect and resolution),
 * quality, and whether reference images are sent (their input tokens are paid too). Not the
 * prompt: its text tokens are a fraction of a cent.
 */
export function costKind(request: GenerationRequest): string {
  const size = request.size ?? `${request.aspect ?? ''}@${request.resolution ?? ''}`;
  const mode = request.references.length > 0 ? 'edit' : 'generate';
  return [request.provider, request.model, size, request.quality ?? '', mode].join(' ');
}

/**
 * Every exact cost the lock records for a real image: current images and earlier takes.
 * Placeholders and estimated or unknown costs teach nothing and are left out.
 */
export function collectRecordedCosts(lock: Lock): RecordedCosts {
  const costs = new Map<string, number[]>();
  const add = (entry: LockEntry) => {
    if (entry.placeholder || entry.costConfidence !== 'exact') return;
    if (typeof entry.costUsd !== 'number' || !Number.isFinite(entry.costUsd)) return;
    const kind = costKind(entry.request);
    const list = costs.get(kind);
    if (list) list.push(entry.costUsd);
    else costs.set(kind, [entry.costUsd]);
  };
  for (const entry of Object.values(lock.images)) add(entry);
  for (const takes of Object.values(lock.history ?? {})) for (const take of takes) add(take);
  return costs;
}

/**
 * The estimate for a request given what was recorded: the median of the exact costs of its
 * kind when there are any (`calibratedFrom` says how many), else `table`, the provider's own
 * estimate, unchanged.
 */
export function calibrateEstimate(
  request: GenerationRequest,
  table: CostEstimate,
  recorded: RecordedCosts,
): CostEstimate {
  const costs = recorded.get(costKind(request));
  if (!costs || costs.length === 0) return table;
  return { usd: median(costs), confidence: 'estimate', calibratedFrom: costs.length };
}

/**
 * What a request will cost, best known first: a site price override (`pricing`, the user's
 * real rate) as the provider gives it, else the median of recorded exact costs of its kind,
 * else the provider's table.
 */
export function estimateCost(
  provider: HeroProvider,
  request: GenerationRequest,
  recorded: RecordedCosts,
  pricing: PriceOverrides | undefined,
): CostEstimate {
  const table = provider.estimate(request);
  if (findPriceOverride(request, pricing)) return table;
  return calibrateEstimate(request, table, recorded);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return Math.round(value * 1_000_000) / 1_000_000;
}
