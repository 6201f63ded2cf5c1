import type { FieldMode } from '../config/fields.js';
import { describeValue, formatPath } from '../config/format-issues.js';
import { didYouMean } from '../config/suggest.js';
import { HerogenError } from '../errors.js';
import type { HeroSpec } from '../types.js';
import { promptProblem } from './hero-checks.js';
import {
  HERO_KEY_ALIASES,
  HERO_KEYS,
  type HeroObjectInput,
  heroObjectSchema,
} from './hero-schema.js';

export interface HeroFieldContext {
  /** Root-relative POSIX path of the content file, for error locations. */
  file: string;
  /** 1-based line of the hero field itself: the fallback for nested problems. */
  line: number;
  /** Frontmatter field name (config `field`, e.g. `hero`). */
  field: string;
  /** Line of a value by its path from the frontmatter root, e.g. `['hero', 'aspect']`. */
  lines?: (path: (string | number)[]) => number | undefined;
  /** Missing alt is an error instead of a warning (config `strictAlt`). */
  strictAlt?: boolean;
  /** How the field is filled (config `field`). @default 'hero' */
  mode?: FieldMode;
  /**
   * Image mode: whether a plain string names a file (relative to the content file). Without it,
   * only strings that look like a path or URL are taken for the site's own image.
   */
  isFile?: (path: string) => boolean;
}

export interface HeroFieldResult {
  /** Set when the field holds a valid hero (errors is then empty). */
  spec?: HeroSpec;
  errors: HerogenError[];
  warnings: HerogenError[];
}

/**
 * Validate one hero field value, as parsed from frontmatter: a prompt string, `auto`, or an
 * object. Null, undefined and `false` mean "no hero". Pure: every problem comes back as a
 * `CONTENT_INVALID` error naming the file, the line of the exact nested value and the field.
 * Without alt (and not decorative) the prompt stands in as alt, with a warning.
 */
export function parseHeroField(value: unknown, context: HeroFieldContext): HeroFieldResult {
  const errors: HerogenError[] = [];
  const warnings: HerogenError[] = [];
  const problem = (path: (string | number)[], message: string, hint?: string) =>
    new HerogenError('CONTENT_INVALID', message, {
      location: {
        file: context.file,
        line: lineOf(context, path),
        field: formatPath([context.field, ...path]),
      },
      ...(hint ? { hint } : {}),
    });

  if (value === null || value === undefined || value === false) return { errors, warnings };
  if (context.mode === 'image' && typeof value === 'string' && !isAuto(value)) {
    // The site's own image field: a plain string is its image path, never a prompt to pay for.
    if (looksLikePath(value) || context.isFile?.(value.trim())) return { errors, warnings };
    errors.push(notAnImage(value, context, problem));
    return { errors, warnings };
  }
  // A field shared with a site's own images (`heroImage: ./cover.png`) keeps its image: a path
  // or URL is never taken for a prompt, which would pay for a picture of a file name.
  if (typeof value === 'string' && looksLikeImageReference(value)) return { errors, warnings };

  if (typeof value === 'string') {
    const spec = expandString(value);
    const issue = spec.prompt === undefined ? undefined : promptProblem(spec.prompt);
    if (issue) return { errors: [problem([], issue)], warnings };
    addAltFallback(spec, context, problem, { errors, warnings });
    return { spec, errors, warnings };
  }

  if (!isRecord(value)) {
    errors.push(
      problem(
        [],
        `${context.field} must be a prompt, "auto", or fields such as prompt and alt; got ${describeValue(value)}`,
        `Write e.g.\n${context.field}:\n  prompt: "A lighthouse at dusk, watercolor"\n  alt: "A lighthouse on a cliff at dusk"`,
      ),
    );
    return { errors, warnings };
  }

  // An empty value (`alt:` with nothing after it) means "not set", as authors expect.
  const fields: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== null && entry !== undefined)
      fields[key] = key === 'references' && typeof entry === 'string' ? [entry] : entry;
  }
  const parsed = heroObjectSchema.safeParse(fields);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          errors.push(
            problem(
              [key],
              `unknown field "${key}" in ${context.field}${didYouMean(key, HERO_KEYS, HERO_KEY_ALIASES)}`,
              `Known fields: ${HERO_KEYS.join(', ')}.`,
            ),
          );
        }
      } else {
        errors.push(problem(issue.path as (string | number)[], issue.message));
      }
    }
    return { errors, warnings };
  }

  const spec = buildSpec(parsed.data, problem, errors);
  if (errors.length > 0 || !spec) return { errors, warnings };
  addAltFallback(spec, context, problem, { errors, warnings });
  return errors.length > 0 ? { errors, warnings } : { spec, errors, warnings };
}

type Problem = (path: (string | number)[], message: string, hint?: string) => HerogenError;

/** `heroImage: A lighthouse at dusk` in image mode: neither a file nor a request herogen reads. */
function notAnImage(value: string, context: HeroFieldContext, problem: Problem): HerogenError {
  const prompt = normalizePrompt(value).split('\n')[0]!;
  return problem(
    [],
    `${context.field} is "${prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt}", which is not an image file; ${context.field} holds the site's own image path, so herogen does not read a plain string there as a prompt`,
    `To generate the image, write it as an object:\n${context.field}:\n  prompt: ${JSON.stringify(prompt)}\n  alt: "What the image shows"`,
  );
}

function isAuto(value: string): boolean {
  return value.trim().toLowerCase() === 'auto';
}

/** `./a.png`, `../x`, `/img/a`, `~/assets/a`, `@assets/a`, a URL, or any name with an image extension. */
function looksLikePath(value: string): boolean {
  const text = value.trim();
  return /^(?:\.{1,2}\/|\/|~|@|[a-z][a-z0-9+.-]*:)/i.test(text) || IMAGE_EXTENSION.test(text);
}

const IMAGE_EXTENSION = /\.(?:png|jpe?g|webp|avif|gif|svg|tiff?)$/i;

const IMAGE_REFERENCE = /^(?:https?:\/\/\S+|[^\s]+\.(?:png|jpe?g|webp|avif|gif|svg|tiff?))$/i;

/** `./cover.png`, `/images/a.jpg`, `https://…`: an image the author already has. */
export function looksLikeImageReference(value: string): boolean {
  return IMAGE_REFERENCE.test(value.trim());
}

function expandString(value: string): HeroSpec {
  const prompt = normalizePrompt(value);
  return prompt.toLowerCase() === 'auto'
    ? { auto: true, decorative: false }
    : { prompt, auto: false, decorative: false };
}

function buildSpec(
  input: HeroObjectInput,
  problem: Problem,
  errors: HerogenError[],
): HeroSpec | undefined {
  const promptIsAuto = input.prompt !== undefined && input.prompt.trim().toLowerCase() === 'auto';
  const auto = input.auto === true || promptIsAuto;
  if (input.auto === true && input.prompt !== undefined && !promptIsAuto) {
    errors.push(
      problem(
        ['auto'],
        'auto: true and a prompt are both set; remove one (auto builds the prompt from the title)',
      ),
    );
    return undefined;
  }
  if (!auto && input.prompt === undefined) {
    errors.push(
      problem(
        ['prompt'],
        'prompt is missing; add prompt: "..." describing the image, or prompt: auto to build it from the title',
      ),
    );
    return undefined;
  }
  if (!auto && input.prompt !== undefined) {
    const issue = promptProblem(normalizePrompt(input.prompt));
    if (issue) {
      errors.push(problem(['prompt'], issue));
      return undefined;
    }
  }
  const spec: HeroSpec = { auto, decorative: input.decorative === true };
  if (!auto && input.prompt !== undefined) spec.prompt = normalizePrompt(input.prompt);
  if (input.alt !== undefined && input.alt.trim() !== '') spec.alt = input.alt.trim();
  if (input.aspect !== undefined) spec.aspect = input.aspect.trim();
  if (input.size !== undefined) spec.size = input.size.trim();
  if (input.resolution !== undefined) spec.resolution = input.resolution;
  if (input.quality !== undefined) spec.quality = input.quality.trim();
  if (input.model !== undefined) spec.model = input.model.trim();
  if (input.provider !== undefined) spec.provider = input.provider.trim();
  if (input.format !== undefined) spec.format = input.format;
  if (input.background !== undefined) spec.background = input.background;
  if (input.style !== undefined) spec.style = input.style === false ? false : input.style.trim();
  if (input.variant !== undefined) spec.variant = input.variant;
  if (input.references !== undefined) spec.references = input.references.map((path) => path.trim());
  return spec;
}

/** Without alt text the image is invisible to screen readers: warn, and use the prompt. */
function addAltFallback(
  spec: HeroSpec,
  context: HeroFieldContext,
  problem: Problem,
  found: { errors: HerogenError[]; warnings: HerogenError[] },
): void {
  if (spec.alt !== undefined || spec.decorative) return;
  const { errors, warnings } = found;
  const message = context.strictAlt
    ? `${context.field} has no alt text (strictAlt is on)`
    : spec.prompt === undefined
      ? `${context.field} has no alt text`
      : context.mode === 'image'
        ? `${context.field} has no alt text; the prompt is used as alt for now (\`${context.field}Alt\` in Astro)`
        : `${context.field} has no alt text; the prompt is used as alt for now`;
  const report = problem(
    ['alt'],
    message,
    'Add alt: "..." describing what the image shows, or decorative: true if it adds no information.',
  );
  if (context.strictAlt) {
    errors.push(report);
    return;
  }
  warnings.push(report);
  if (spec.prompt !== undefined) spec.alt = spec.prompt;
}

/** Trim, and make line ends `\n` so a CRLF file hashes like an LF one. */
function normalizePrompt(prompt: string): string {
  return prompt.replace(/\r\n/g, '\n').trim();
}

function lineOf(context: HeroFieldContext, path: (string | number)[]): number {
  if (context.lines) {
    for (let length = path.length; length > 0; length--) {
      const line = context.lines([context.field, ...path.slice(0, length)]);
      if (line !== undefined) return line;
    }
  }
  return context.line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
