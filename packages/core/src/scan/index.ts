// The scanner's public surface; the package index re-exports from here.
export { HERO_KEYS, heroObjectSchema, MAX_REFERENCES } from './hero-schema.js';
export { type ParsedFrontmatter, parseFrontmatter } from './parse-frontmatter.js';
export { type HeroFieldContext, type HeroFieldResult, parseHeroField } from './parse-hero-field.js';
export { SCAN_IGNORE, type ScanOptions, type ScanResult, scanContent } from './scan-content.js';
