/** Common misspellings and names from other tools that mean one of our keys. */
export type KeyAliases = Readonly<Record<string, string>>;

/**
 * The known key a mistyped one most likely meant: an alias, a case-insensitive match, or the
 * nearest key by edit distance when it is close enough to be a typo. Undefined when nothing is.
 */
export function suggestKey(
  input: string,
  known: readonly string[],
  aliases: KeyAliases = {},
): string | undefined {
  const alias = aliases[input] ?? aliases[input.toLowerCase()];
  if (alias && known.includes(alias)) return alias;
  const lower = input.toLowerCase();
  const sameCase = known.find((key) => key.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const key of known) {
    const distance = editDistance(lower, key.toLowerCase());
    if (distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  // A third of the length catches swapped, missing and doubled letters without suggesting
  // unrelated words for short keys.
  const limit = Math.max(1, Math.floor(Math.max(input.length, 3) / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** `; did you mean "x"?` or an empty string. */
export function didYouMean(input: string, known: readonly string[], aliases?: KeyAliases): string {
  const suggestion = suggestKey(input, known, aliases);
  return suggestion ? `; did you mean "${suggestion}"?` : '';
}

/**
 * Edit distance where an insert, delete, substitution or swap of two neighbouring letters
 * each count as one (optimal string alignment): `feild` is one edit from `field`, as a reader
 * sees it, not two. Three rows of memory.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let beforePrevious = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2]! + 1);
      }
      current[j] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length]!;
}
