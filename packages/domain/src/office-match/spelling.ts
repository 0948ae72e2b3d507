// Correcting a misspelt office name: an edit distance and the deletion neighbourhood
// (symmetric delete) that finds the vocabulary words within it.
import type { OfficeIndex } from './office-index.js';

/** Common words that are never corrected to an office name ("needs" is not Leeds). */
const COMMON_WORDS: ReadonlySet<string> = new Set(
  (
    'about above after again against always another answer anyone anything appointment around asked asking because before being below between ' +
    'cannot carry charge check claim claims clear close closed closes closing could couldnt doesnt doing during early email every everyone ' +
    'everything first found front going great hello heres house however inside issue issues leave letter linked listen little looking ' +
    'money month morning needs never night nothing number often opened opening other paid parking party payment people phone please ' +
    'point problem question quick really reason right running should since snowing sorry sound staff still thanks thats their there these ' +
    'theyre thing think those three through tomorrow today trying until usual waiting walking wanted weather where which while whole ' +
    'would wouldnt write wrong years yesterday youre yours action north south mouth youth eleven seven bottle perch harry larry marry ' +
    'hates trays greys faith forth porch needs seeds reads weeds heads beads weeks hello hells shell smell spell cells tells bells ' +
    'better letter setter batter matter hotter colder fallen roads works worth world words water bread hours times doors drive ' +
    'travel trains buses stuck heavy icy closure closures delayed delays update updates advice member members attend centre office ' +
    'open opens agor ydych heddiw yfory swyddfa diolch canolfan waith plant sicrhau'
  ).split(' '),
);

/** Optimal string alignment distance (a swap counts as one edit), giving up above max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1))
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

export function deletes(word: string, depth: number, out: Set<string>): void {
  if (depth === 0) return;
  for (let i = 0; i < word.length; i++) {
    const d = word.slice(0, i) + word.slice(i + 1);
    if (!out.has(d)) {
      out.add(d);
      deletes(d, depth - 1, out);
    }
  }
}

export const allowedEdits = (length: number) => (length >= 8 ? 2 : length >= 5 ? 1 : 0);

const LETTERS = /^\p{L}+$/u;
const MAX_EDITS = 2;
/**
 * Words one mention may have corrected: a real question has a handful of words of five
 * letters or more; a text of nothing but near misses costs no more than this many.
 */
export const MAX_CORRECTIONS = 64;

/**
 * The vocabulary word a misspelt token stands for, or null (none, or two equally close).
 * Only a word that some office name could be is looked at: letters only, and no longer
 * than the longest word of the vocabulary and two edits (the deletions of a word grow
 * with the square of its length, so a long one must never get here).
 */
export function correct(index: OfficeIndex, word: string): string | null {
  if (word.length < 5 || word.length > index.maxWordLength + MAX_EDITS || COMMON_WORDS.has(word) || !LETTERS.test(word))
    return null;
  const queryEdits = word.length >= 7 ? 2 : 1;
  const seen = new Set<string>([word]);
  deletes(word, queryEdits, seen);
  let best: string | null = null;
  let bestDistance = 99;
  let tie = false;
  const checked = new Set<string>();
  for (const d of seen) {
    const candidates = index.deletions.get(d);
    if (!candidates) continue;
    for (const candidate of candidates) {
      if (checked.has(candidate)) continue;
      checked.add(candidate);
      const max = allowedEdits(candidate.length);
      const distance = editDistance(word, candidate, max);
      if (distance > max) continue;
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
        tie = false;
      } else if (distance === bestDistance && candidate !== best) tie = true;
    }
  }
  return tie ? null : best;
}
