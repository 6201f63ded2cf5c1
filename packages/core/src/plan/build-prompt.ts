import { HerogenError } from '../errors.js';
import type { ContentHero } from '../types.js';

export interface PromptSettings {
  promptTemplate: string;
  style?: string | undefined;
}

const DEFAULT_AUTO_TEMPLATE = '{title}. {description}';

/**
 * The final prompt sent to a provider: the author's prompt through the site template, then the
 * site style (or the hero's own, or none with `style: false`). Pure.
 */
export function buildPrompt(hero: ContentHero, settings: PromptSettings): string {
  const { spec } = hero;
  let template = settings.promptTemplate;
  if (spec.auto) {
    if (!hero.title && !hero.description) {
      throw new HerogenError(
        'CONTENT_INVALID',
        '`hero: auto` builds the prompt from the title and description, but this file has neither',
        {
          location: { file: hero.file, line: hero.line, field: hero.field },
          hint: 'add a `title` or `description` to the frontmatter, or write a prompt instead of `auto`',
        },
      );
    }
    // A template that never mentions title/description would give an empty prompt for `auto`.
    if (!/\{(title|description)\}/.test(template)) template = DEFAULT_AUTO_TEMPLATE;
  }
  const filled = fillTemplate(template, {
    prompt: spec.prompt ?? '',
    title: hero.title ?? '',
    description: hero.description ?? '',
  });
  const style = spec.style === false ? undefined : (spec.style ?? settings.style);
  const base = tidy(filled);
  return style?.trim() ? `${base}\n\n${style.trim()}` : base;
}

export function fillTemplate(template: string, values: Record<string, string>): string {
  // The default template, once per hero on every plan: no regex needed.
  if (template === '{prompt}') return values.prompt ?? '';
  return template.replace(
    /\{(prompt|title|description)\}/g,
    (_, name: string) => values[name] ?? '',
  );
}

/** Trim and drop separators left dangling at either end by empty placeholders. */
function tidy(text: string): string {
  return text
    .trim()
    .replace(/^[.,:;]\s*/, '')
    .replace(/\s*[,:;]$/, '')
    .replace(/\s*\.(\s*\.)+$/, '.')
    .replace(/ {2,}/g, ' ')
    .trim();
}
