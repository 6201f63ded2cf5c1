/**
 * What a finished run means for a build: go on, go on with warnings, or stop. One judgement
 * for every host (Astro integration, Vite plugin), so they fail on the same runs. Pure.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { formatError, HerogenError } from '../errors.js';
import { isKnownModel } from '../plan/model-notes.js';
import { LFS_PULL_HINT } from '../store/lfs-pointer.js';
import { agree, plural } from '../text/plural.js';
import type { JobResult, ProviderRegistry, RunSummary } from '../types.js';

export interface RunVerdict {
  /** Set when the build must stop. */
  error?: HerogenError;
  /** Lines to print as warnings when the build goes on. */
  warnings: string[];
}

/**
 * An answer that no other image of this run can get past: the key rejected (401), no
 * permission for the model (403), the model unknown (404, or a 400 for a model the provider
 * does not list: hiapi answers so). Told apart by the HTTP status the API answered with; a
 * hiapi task that vanished has no status and stays a per-image failure.
 */
export function isSiteConfigError(error: unknown, unknownModel = false): error is HerogenError {
  if (!HerogenError.is(error)) return false;
  if (error.code === 'PROVIDER_AUTH') return error.status === 401 || error.status === 403;
  if (error.code === 'PROVIDER_INVALID_REQUEST') return unknownModel && error.status === 400;
  return error.code === 'PROVIDER_NOT_FOUND' && error.status === 404;
}

const isQuota = (error: unknown) => HerogenError.is(error) && error.code === 'PROVIDER_QUOTA';

/** `registry` tells which models each provider lists (a 400 for an unlisted one is the model). */
export function judgeRun(
  summary: RunSummary,
  config: Pick<ResolvedConfig, 'strict' | 'onError'>,
  registry?: ProviderRegistry,
): RunVerdict {
  const failed = summary.results.filter((result) => result.status === 'failed');
  const total = summary.results.length;
  const warnings: string[] = [];
  const unknownModel = ({ request }: JobResult['job']) =>
    registry !== undefined && !isKnownModel(registry.get(request.provider), request.model);
  const site = failed.filter((result) => isSiteConfigError(result.error, unknownModel(result.job)));
  if (site.length > 0) {
    if (config.onError !== 'placeholder')
      return { error: siteConfigFailure(site, total), warnings };
    warnings.push(
      `${plural(site.length, 'image')} ${agree(site.length, 'is an offline placeholder', 'are offline placeholders')} because the API refused the site's configuration (onError: 'placeholder'); fix it (see the warnings above) and build again to replace them`,
    );
  }
  const notPulled = failed.filter(
    (result) => HerogenError.is(result.error) && result.error.code === 'ORIGINAL_NOT_PULLED',
  );
  // Never shipped as placeholders: the images exist, the checkout only lacks them.
  if (notPulled.length > 0) return { error: notPulledFailure(notPulled), warnings };
  const quota = failed.filter((result) => isQuota(result.error));
  if (quota.length > 0) {
    const providers = [...new Set(quota.map((result) => result.job.request.provider))].join(', ');
    warnings.push(
      `${plural(quota.length, 'image')} ${agree(quota.length, 'is an offline placeholder', 'are offline placeholders')}: ${providers} reports no credit left. That is the account's billing state (an outage for this site), not a configuration mistake, so the build goes on; add credit and build again to replace them`,
    );
  }
  if (config.strict && failed.length > 0) return { error: strictFailure(failed), warnings };
  return { warnings };
}

/** One error for the run, quoting each distinct refusal once (they usually are all the same). */
function siteConfigFailure(site: readonly JobResult[], total: number): HerogenError {
  const first = site[0]!.error as HerogenError;
  const distinct = new Map<string, HerogenError>();
  for (const result of site) {
    const error = result.error as HerogenError;
    const kind = `${result.job.request.provider} ${result.job.request.model} ${error.status}`;
    if (!distinct.has(kind)) distinct.set(kind, error);
  }
  const lines = [...distinct.values()].map(
    (error) => `  - ${formatError(error).replace(/\n/g, '\n    ')}`,
  );
  return new HerogenError(
    first.code,
    `the API refused this site's configuration (${plural(site.length, 'image')} of ${total} failed the same way), so the build stops instead of shipping placeholders:\n${lines.join('\n')}`,
    {
      hint: "this is a site configuration error, not one failed image: do what the message says and build again, or set `onError: 'placeholder'` to build with offline placeholders meanwhile",
      ...(first.status !== undefined ? { status: first.status } : {}),
      cause: first,
    },
  );
}

/** `strict: true`: one error naming every post whose image failed. */
function strictFailure(failed: readonly JobResult[]): HerogenError {
  const lines = failed.map((result) => `  - ${formatError(result.error ?? result.key)}`);
  const first = failed[0]?.error;
  return new HerogenError(
    HerogenError.is(first) ? first.code : 'INTERNAL',
    `${plural(failed.length, 'hero image')} failed and strict mode is on:\n${lines.join('\n')}`,
    { hint: 'fix the cause above, or set `strict: false` to build with offline placeholders' },
  );
}

function notPulledFailure(notPulled: readonly JobResult[]): HerogenError {
  const files = notPulled.map((result) => `  - ${result.job.entry?.file ?? result.key}`);
  return new HerogenError(
    'ORIGINAL_NOT_PULLED',
    `${plural(notPulled.length, 'paid original')} ${agree(notPulled.length, 'is a Git LFS pointer', 'are Git LFS pointers')}, not ${agree(notPulled.length, 'an image', 'images')}; nothing was paid for again:\n${files.join('\n')}`,
    { hint: LFS_PULL_HINT },
  );
}
