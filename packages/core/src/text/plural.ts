// English plural rules from the runtime (Intl), so "1 image" and "0 images" need no hand-made check.
const rules = new Intl.PluralRules('en-US');

/** The form that agrees with `count`: `agree(n, 'is', 'are')`, `agree(n, 'gets', 'get')`. */
export function agree(count: number, one: string, other: string): string {
  return rules.select(count) === 'one' ? one : other;
}

/** `1 image`, `3 images`, `0 images`; irregular nouns give their plural: `plural(n, 'entry', 'entries')`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${agree(count, noun, nouns)}`;
}
