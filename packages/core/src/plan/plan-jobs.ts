import type { ResolvedConfig } from '../config/schema.js';
import { HerogenError } from '../errors.js';
import { computeKey, originalFileName } from '../key/cache-key.js';
import { estimateCost, type RecordedCosts } from '../pricing/calibrate.js';
import type {
  ContentHero,
  GenerationRequest,
  HeroIntent,
  HeroProvider,
  Job,
  JobStatus,
  Lock,
  LockEntry,
  ProjectLayout,
  ProviderRegistry,
  StoredFileState,
} from '../types.js';
import { buildIntent } from './build-intent.js';

const NOTHING_RECORDED: RecordedCosts = new Map();

export interface PlanInput {
  heroes: readonly ContentHero[];
  config: ResolvedConfig;
  registry: ProviderRegistry;
  lock: Lock;
  /** State of stored files by key; keys absent here are treated as present and intact. */
  stored: ReadonlyMap<string, StoredFileState>;
  /** The project's paths; jobs name their originals under `layout.outDirRelative`. */
  layout: ProjectLayout;
  /**
   * Exact costs recorded in the lock (`collectRecordedCosts`): estimates learn from them. A
   * function is called once, and only when some image is not cached (a warm plan of a large
   * site skips walking the whole lock).
   */
  recordedCosts?: RecordedCosts | (() => RecordedCosts);
}

export interface Plan {
  jobs: Job[];
  errors: HerogenError[];
}

/** One hero, resolved to the request it makes and where its original lives. */
export interface PlannedHero {
  key: string;
  request: GenerationRequest;
  provider: HeroProvider;
  /** Root-relative POSIX path of the original. */
  file: string;
}

/**
 * Scan results + lock → jobs. Pure: no I/O, deterministic order (first source file wins).
 * Identical requests from several files become one job.
 */
export function planJobs(input: PlanInput): Plan {
  const jobs = new Map<string, Job>();
  const errors: HerogenError[] = [];
  let recorded: RecordedCosts | undefined;
  const recordedCosts = () => {
    const given = input.recordedCosts;
    recorded ??= (typeof given === 'function' ? given() : given) ?? NOTHING_RECORDED;
    return recorded;
  };
  for (const hero of input.heroes) {
    let planned: PlannedHero;
    try {
      planned = planHero(hero, input);
    } catch (error) {
      if (!HerogenError.is(error)) throw error;
      errors.push(error);
      continue;
    }
    const existing = jobs.get(planned.key);
    if (existing) {
      existing.sources.push(hero);
      continue;
    }
    const entry = input.lock.images[planned.key];
    const status = statusOf(planned, entry, input);
    const job: Job = {
      key: planned.key,
      status,
      request: planned.request,
      file: entry?.file ?? planned.file,
      sources: [hero],
      estimate:
        status === 'cached'
          ? { usd: 0, confidence: 'exact' }
          : estimateCost(planned.provider, planned.request, recordedCosts(), input.config.pricing),
    };
    if (entry) job.entry = entry;
    jobs.set(planned.key, job);
  }
  return { jobs: [...jobs.values()], errors };
}

/** Resolve one hero against the site config and providers; throws a located HerogenError. */
export function planHero(
  hero: ContentHero,
  input: Pick<PlanInput, 'config' | 'registry' | 'lock' | 'layout'>,
): PlannedHero {
  const { config, registry } = input;
  const intent = buildIntent(hero, config);

  const candidates = registry.candidatesFor(hero.spec.provider);
  if (candidates.length === 0) {
    throw new HerogenError('CONTENT_INVALID', `unknown provider "${hero.spec.provider}"`, {
      location: { file: hero.file, line: hero.line, field: `${hero.field}.provider` },
      hint: `use one of: ${registry.ids().join(', ')}`,
    });
  }
  // Candidates are tried in order: a real image already stored wins, then any stored stand-in,
  // so a paid image committed earlier is used even on a machine without a key (CI without
  // secrets). Otherwise the last candidate, the one that can run here, makes the image.
  // A hero that names no provider is also satisfied by what another paid provider made for the
  // same intent (same prompt, size, quality… as that provider would ask for them): a switch
  // of API key must not pay for every image again.
  const lookups = hero.spec.provider === undefined ? registry.storedAlternatives() : [];
  const siteWide = (provider: HeroProvider) =>
    hero.spec.provider === undefined || registry.candidatesFor(undefined).includes(provider);
  const all = lookups.length === 0 ? candidates : [...lookups, ...candidates];
  // The last candidate, the one that runs here, must be able to make the image (it throws
  // otherwise). When the lock already holds its real image it wins whatever the others say
  // (`chooseStored`), so the others are not worked out: half the keys of a warm plan.
  const runner = plannedFor(all.at(-1)!, intent, input, siteWide);
  if (all.length === 1 || isStoredReal(runner, input.lock)) return validated(runner, hero);
  const options = all.slice(0, -1).flatMap((provider) => {
    // Earlier candidates are only looked up in the lock: one that cannot take this request
    // (a model it does not know) is skipped.
    try {
      return [plannedFor(provider, intent, input, siteWide)];
    } catch {
      return [];
    }
  });
  options.push(runner);
  // One candidate left (the others cannot take this request): nothing to choose.
  if (options.length === 1) return validated(runner, hero);
  return validated(chooseStored(options, input.lock), hero);
}

/**
 * Of the ways a hero can be made (the last one runs here), the one whose image is stored: the
 * runner's own real image, else any real image, else (offline only) any stored stand-in, else
 * the runner. With a key set, another provider's stand-in is never kept over a real image.
 */
function chooseStored(options: readonly PlannedHero[], lock: Lock): PlannedHero {
  const runner = options.at(-1)!;
  const real = (planned: PlannedHero) => isStoredReal(planned, lock);
  if (real(runner)) return runner;
  return (
    options.find(real) ??
    (runner.provider.paid ? undefined : options.find((planned) => lock.images[planned.key])) ??
    runner
  );
}

/** The lock holds a real image (not a stand-in) for this hero's key. */
function isStoredReal(planned: PlannedHero, lock: Lock): boolean {
  const entry = lock.images[planned.key];
  return entry !== undefined && !entry.placeholder;
}

function plannedFor(
  provider: HeroProvider,
  intent: HeroIntent,
  input: Pick<PlanInput, 'config' | 'registry' | 'layout'>,
  siteWide: (provider: HeroProvider) => boolean,
): PlannedHero {
  // The site-wide model belongs to the site-wide paid provider(s) — on a machine without a key
  // too, so the key of an image paid for elsewhere comes out the same; a hero that names
  // another provider uses that provider's own default; offline art ignores it.
  const siteModel = provider.paid && siteWide(provider) ? input.config.model : undefined;
  const model = intent.model ?? siteModel ?? provider.defaultModel;
  const request = provider.prepare(intent, model);
  const key = computeKey(request);
  return {
    key,
    request,
    provider,
    file: joinPosix(input.layout.outDirRelative, originalFileName(key, request.format)),
  };
}

function validated(planned: PlannedHero, hero: ContentHero): PlannedHero {
  const { provider, request } = planned;
  if (request.prompt.length > provider.maxPromptLength) {
    throw new HerogenError(
      'CONTENT_INVALID',
      `prompt is ${request.prompt.length} characters after the template and style; ${provider.id} accepts at most ${provider.maxPromptLength}`,
      {
        location: { file: hero.file, line: hero.line, field: `${hero.field}.prompt` },
        hint: 'shorten the prompt or the site `style`',
      },
    );
  }
  const issues = provider.validate(request);
  const issue = issues[0];
  if (issue) {
    throw new HerogenError(
      'REQUEST_INVALID',
      `${provider.id} (${request.model}) cannot make this image: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      {
        location: { file: hero.file, line: hero.line, field: `${hero.field}.${issue.field}` },
      },
    );
  }
  return planned;
}

function statusOf(planned: PlannedHero, entry: LockEntry | undefined, input: PlanInput): JobStatus {
  if (!entry) return 'missing';
  const state = input.stored.get(planned.key) ?? 'ok';
  if (state === 'missing') return 'missing';
  if (state === 'corrupt') return 'corrupt';
  if (entry.placeholder && planned.provider.paid) return 'placeholder';
  return 'cached';
}

function joinPosix(dir: string, name: string): string {
  return dir === '' || dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}
