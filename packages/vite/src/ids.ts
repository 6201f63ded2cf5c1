/** The import query that turns a content file into its hero: `./post.md?hero`. */
export const HERO_QUERY = '?hero';
export const HERO_ID_FILTER = /\?hero$/;

export const VIRTUAL_ID = 'virtual:herogen';
export const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;

/** URL prefix (after `base`) the dev server serves derivatives under. */
export const DEV_PREFIX = '@herogen/';

/** Absolute content path of a `?hero` module id, or undefined for other ids. */
export function heroFileOf(id: string): string | undefined {
  return HERO_ID_FILTER.test(id) ? id.slice(0, -HERO_QUERY.length) : undefined;
}

/** Content files herogen may find prompts in; used to spot edits before a plan knows them. */
export const CONTENT_EXTENSIONS = /\.(md|mdx|mdoc|markdown|markdoc)$/i;
