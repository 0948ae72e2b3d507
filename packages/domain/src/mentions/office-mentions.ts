// Finding the offices a mention names in its tokens, and narrowing them to the account's own.
import { knownWord, type KnownWord } from '../office-match/known-word.js';
import { PLACE_STOPWORDS, type OfficeIndex } from '../office-match/office-index.js';
import { readPostcode } from '../office-match/postcodes.js';
import type { Token } from './text.js';

/** Office names that are everyday words: matched only when capitalised or next to "jobcentre"/"in"/"at". */
const EVERYDAY_NAMES: ReadonlySet<string> = new Set(
  'reading bath wells bury mold flint rugby crook hove hyde poole diss ely deal sale barry stanley nelson richmond hayes grays leven porth wick upton hull burton melton colwyn frome yate louth leigh thorne newlands'.split(
    ' ',
  ),
);

const ROAD_WORDS = new Set([
  'road',
  'roads',
  'motorway',
  'junction',
  'traffic',
  'lane',
  'lanes',
  'southbound',
  'northbound',
  'eastbound',
  'westbound',
  'carriageway',
]);
const CONTEXT_BEFORE = new Set(['in', 'at', 'jobcentre', 'yn', 'ym', 'yng']);

export interface OfficeMatch {
  ids: readonly string[];
  /** A postcode or outward code: it narrows a name given with it ("sheffield, the one in S1"). */
  postcode?: boolean;
  /** Token positions [start, end) the match covers. */
  start: number;
  end: number;
}

/** Every office reference in the tokens, in order (not yet narrowed to an account). */
export function findOfficeMentions(tokens: readonly Token[], index: OfficeIndex): OfficeMatch[] {
  const matches: OfficeMatch[] = [];
  const n = tokens.length;
  // Canonical words: exact, unmutated or corrected (../office-match/known-word.ts).
  const words = new Array<string>(n);
  const seen = new Map<string, KnownWord>();
  let roadContext = false;
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!.t;
    if (ROAD_WORDS.has(t)) roadContext = true;
    words[i] = knownWord(index, t, seen).word;
  }
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!.t;
    // Postcodes: "CA3 8DG", "ca38dg", or an outward code alone.
    const code = readPostcode(index, t, tokens[i + 1]?.t);
    if (code?.whole) {
      if (code.ids.length > 0) matches.push({ ids: code.ids, start: i, end: i + code.words, postcode: true });
      i += code.words - 1;
      continue;
    }
    if (code && code.ids.length > 0) {
      const isRoad = /^[am]\d{1,3}$/.test(t) && roadContext;
      if (!isRoad && (tokens[i]!.cap || t.length >= 3)) {
        matches.push({ ids: code.ids, start: i, end: i + 1, postcode: true });
        continue;
      }
    }
    // Names, longest phrase first.
    for (let len = Math.min(index.maxPhrase, n - i); len >= 1; len--) {
      let key = words[i]!;
      if (len > 1) {
        if (!index.firstTokens.has(key)) continue;
        let same = true;
        for (let k = 1; k < len; k++) {
          if (tokens[i + k]!.s !== tokens[i]!.s) same = false;
          key += ' ' + words[i + k]!;
        }
        if (!same) continue;
      }
      const hit = index.phrases.get(key);
      if (!hit) continue;
      if (len === 1) {
        if (PLACE_STOPWORDS.has(key)) break;
        if (EVERYDAY_NAMES.has(key) && !tokens[i]!.cap) {
          const before = tokens[i - 1]?.t;
          const after = tokens[i + 1]?.t;
          if (!(before && CONTEXT_BEFORE.has(before)) && after !== 'jobcentre' && after !== 'office') break;
        }
      }
      const ids = hit.names.length > 0 ? hit.names : hit.towns;
      matches.push({ ids, start: i, end: i + len });
      i += len - 1;
      break;
    }
  }
  return matches;
}

/** The offices named, looking in the account's own offices first and then the whole register. */
export function resolveOffices(given: readonly OfficeMatch[], accountId: string, index: OfficeIndex): string[] {
  // A postcode given with a name that means several offices picks among them.
  const codes = new Set(given.filter((m) => m.postcode).flatMap((m) => m.ids));
  const matches =
    codes.size > 0 && given.some((m) => !m.postcode && m.ids.some((id) => codes.has(id)))
      ? given.map((m) => (m.postcode ? m : { ...m, ids: m.ids.filter((id) => codes.has(id)) }))
      : given;
  const local: string[] = [];
  const all: string[] = [];
  for (const match of matches) {
    for (const id of match.ids) {
      if (!all.includes(id)) all.push(id);
      if (index.accountOf.get(id) === accountId && !local.includes(id)) local.push(id);
    }
  }
  return local.length > 0 ? local : all;
}
