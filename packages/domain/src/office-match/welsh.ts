// Welsh mutations: a place name changes its first sound after some words ("yng
// Nghaerfyrddin", "ym Mangor", "i Gaerdydd", "o Fangor"). The radical form is what the index holds.
import type { OfficeIndex } from './office-index.js';

/** Mutated beginnings and the radical beginnings they may stand for, longest first. */
const MUTATIONS: readonly [string, readonly string[]][] = [
  ['ngh', ['c']],
  ['mh', ['p']],
  ['nh', ['t']],
  ['ng', ['g']],
  ['ch', ['c']],
  ['ph', ['p']],
  ['th', ['t']],
  ['dd', ['d']],
  ['ll', ['ll']],
  ['rh', ['rh']],
  ['m', ['b']],
  ['n', ['d']],
  ['f', ['b', 'm']],
  ['g', ['c']],
  ['b', ['p']],
  ['d', ['t']],
  ['l', ['ll']],
  ['r', ['rh']],
  ['', ['g']],
];

/** The radical form of a mutated word, when it is a known word of the index; else null. */
export function unmutated(index: OfficeIndex, word: string): string | null {
  // A mutation changes at most the first three letters into one ("ngh" → "c").
  if (word.length > index.maxWordLength + 2) return null;
  for (const [from, tos] of MUTATIONS) {
    if (!word.startsWith(from)) continue;
    for (const to of tos) {
      const candidate = to + word.slice(from.length);
      if (
        candidate !== word &&
        (index.vocabulary.has(candidate) || index.firstTokens.has(candidate)) &&
        index.phrases.has(candidate)
      )
        return candidate;
    }
  }
  return null;
}
