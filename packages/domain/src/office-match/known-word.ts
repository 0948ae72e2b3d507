// The word of the index a written word stands for: itself, its radical form (Welsh
// mutations) or the office word it misspells. One rule for mentions and search alike.
import type { OfficeIndex } from './office-index.js';
import { correct, MAX_CORRECTIONS } from './spelling.js';
import { unmutated } from './welsh.js';

export interface KnownWord {
  word: string;
  /** How the written word became this one: as written, unmutated, or corrected. */
  source: 'exact' | 'mutation' | 'correction';
}

/**
 * The canonical word for `token`. Words already known and words under five letters are
 * kept; others are unmutated or corrected, each distinct word once per text (`seen`), and
 * at most MAX_CORRECTIONS of them, so a text of near misses costs no more than that.
 */
export function knownWord(index: OfficeIndex, token: string, seen: Map<string, KnownWord>): KnownWord {
  if (index.vocabulary.has(token) || index.firstTokens.has(token) || token.length < 5)
    return { word: token, source: 'exact' };
  let known = seen.get(token);
  if (known === undefined) {
    const radical = seen.size < MAX_CORRECTIONS ? unmutated(index, token) : null;
    const corrected = radical === null && seen.size < MAX_CORRECTIONS ? correct(index, token) : null;
    known =
      radical !== null
        ? { word: radical, source: 'mutation' }
        : corrected !== null
          ? { word: corrected, source: 'correction' }
          : { word: token, source: 'exact' };
    seen.set(token, known);
  }
  return known;
}
