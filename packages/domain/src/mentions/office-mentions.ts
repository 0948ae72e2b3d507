// Finding the offices a mention names in its tokens, and narrowing them to the account's own.
import { normalisePostcode, outwardCode } from '../postcode.js';
import { PLACE_STOPWORDS, type OfficeIndex } from './offices.js';
import { correct, MAX_CORRECTIONS } from './office-spelling.js';
import type { Token } from './text.js';

/** Office names that are everyday words: matched only when capitalised or next to "jobcentre"/"in"/"at". */
const EVERYDAY_NAMES: ReadonlySet<string> = new Set(
  'reading bath wells bury mold flint rugby crook hove hyde poole diss ely deal sale barry stanley nelson richmond hayes grays leven porth wick upton hull burton melton colwyn frome yate louth leigh thorne newlands'.split(
    ' ',
  ),
);

const OUTWARD = /^[a-z]{1,2}\d[a-z\d]?$/;
const INWARD = /^\d[a-z]{2}$/;
const COMPACT_POSTCODE = /^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$/;
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
  ids: string[];
  /** A postcode or outward code: it narrows a name given with it ("sheffield, the one in S1"). */
  postcode?: boolean;
  /** Token positions [start, end) the match covers. */
  start: number;
  end: number;
}

/**
 * Welsh place names change their first sound after some words ("yng Nghaerfyrddin",
 * "ym Mangor", "i Gaerdydd", "o Fangor"): the radical form, when it is a known word.
 */
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

function unmutated(index: OfficeIndex, word: string): string | null {
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

/** Every office reference in the tokens, in order (not yet narrowed to an account). */
export function findOfficeMentions(tokens: readonly Token[], index: OfficeIndex): OfficeMatch[] {
  const matches: OfficeMatch[] = [];
  const n = tokens.length;
  // Canonical words: exact, or corrected when the word is not a known one (each distinct
  // word once, and at most MAX_CORRECTIONS of them).
  const words = new Array<string>(n);
  const corrected = new Map<string, string>();
  let roadContext = false;
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!.t;
    if (ROAD_WORDS.has(t)) roadContext = true;
    if (index.vocabulary.has(t) || index.firstTokens.has(t) || t.length < 5) words[i] = t;
    else {
      let word = corrected.get(t);
      if (word === undefined) {
        word = corrected.size < MAX_CORRECTIONS ? (unmutated(index, t) ?? correct(index, t) ?? t) : t;
        corrected.set(t, word);
      }
      words[i] = word;
    }
  }
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!.t;
    // Postcodes: "CA3 8DG", "ca38dg", or an outward code alone.
    if (OUTWARD.test(t)) {
      const next = tokens[i + 1]?.t;
      if (next && INWARD.test(next)) {
        const full = `${t} ${next}`.toUpperCase();
        const ids = index.byPostcode.get(full) ?? index.byOutward.get(t.toUpperCase());
        if (ids) matches.push({ ids, start: i, end: i + 2, postcode: true });
        i++;
        continue;
      }
      const upper = t.toUpperCase();
      const ids = index.byOutward.get(upper);
      const isRoad = /^[am]\d{1,3}$/.test(t) && roadContext;
      if (ids && !isRoad && (tokens[i]!.cap || t.length >= 3)) {
        matches.push({ ids, start: i, end: i + 1, postcode: true });
        continue;
      }
    } else if (COMPACT_POSTCODE.test(t)) {
      const postcode = normalisePostcode(t);
      if (postcode) {
        const ids = index.byPostcode.get(postcode) ?? index.byOutward.get(outwardCode(postcode));
        if (ids) matches.push({ ids, start: i, end: i + 1, postcode: true });
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
