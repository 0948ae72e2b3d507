/**
 * Searching the offices as a person types into a search box: "carlisle", "Carlisle
 * jobcentre", "kendall", "yng Nghaerdydd", "ca3 8dg", "CA3", "leeds", "carl". The query is
 * read with the same rules as a mention (canonical words, Welsh mutations, spelling,
 * postcodes: this folder), against the same index, then ranked:
 *
 * 1. offices matching more of the query's words first ("swansea sa1": Swansea, not every SA1);
 * 2. then by how they match: whole name, alias or Welsh name, town of the address, postcode
 *    or outward code, and last fuzzy (a corrected misspelling, a part or a prefix of a name);
 * 3. then offices whose own name has more of the query's words ("leeds": the Leeds offices
 *    before those only addressed in Leeds), then by name and id.
 *
 * Bounded work whatever the query: only its first SEARCH_QUERY_MAX characters and
 * SEARCH_WORDS_MAX words are read, each word is corrected at most once, and a prefix is a
 * binary search in the sorted phrases. A query costs a few microseconds.
 */
import type { OfficeIndex, NameKind } from './office-index.js';
import { PLACE_STOPWORDS } from './office-index.js';
import { knownWord, type KnownWord } from './known-word.js';
import { readPostcode } from './postcodes.js';
import { phraseTokens } from './words.js';

export type SearchReason = 'name' | 'alias' | 'welsh-name' | 'town' | 'postcode' | 'outward-code' | 'fuzzy';

export interface SearchHit {
  /** The office's id (`carlisle-8504`). */
  id: string;
  /** Why it matched: the best way the query names it. */
  reason: SearchReason;
  /** What of the register it matched: the name, alias or town as written there, or the postcode ("CA3 8DG", "CA3"). */
  matched: string;
}

export interface SearchOptions {
  /** At most this many hits (default SEARCH_LIMIT_DEFAULT). */
  limit?: number;
}

/** Characters of a query read: no office name, alias or postcode is longer than a few dozen. */
export const SEARCH_QUERY_MAX = 200;
/** Words of a query read ("is the jobcentre plus in kendal open today" is nine). */
export const SEARCH_WORDS_MAX = 16;
export const SEARCH_LIMIT_DEFAULT = 10;
/** Phrases a prefix may expand to ("b" is not searched; "bar" names a handful). */
const PREFIX_PHRASES_MAX = 24;
const PREFIX_MIN_LENGTH = 3;

/** How good each reason is, best first: what the ranking orders by after the words matched. */
export const SEARCH_REASON_RANK: Readonly<Record<SearchReason, number>> = {
  name: 0,
  alias: 1,
  'welsh-name': 1,
  town: 2,
  postcode: 3,
  'outward-code': 3,
  fuzzy: 4,
};
const NAME_REASON: Readonly<Record<NameKind, SearchReason>> = {
  name: 'name',
  alias: 'alias',
  'welsh-name': 'welsh-name',
  part: 'fuzzy',
};

/** Words said around an office's name in a search box, never searched as a prefix of one. */
const NOISE: ReadonlySet<string> = new Set(
  (
    'is are was my the a an in at of for near to nearest where what when which how does do did can will it its this that ' +
    'open opens opening closed close closing shut today tomorrow now still yn ym yng i o ar mae ydy ydi ar agor ' +
    'jobcentre plus job centre office offices canolfan waith swyddfa dwp please thanks hours times status'
  ).split(' '),
);

interface Found {
  id: string;
  reason: SearchReason;
  matched: string;
  /** The query's words this office matched, one bit per word (SEARCH_WORDS_MAX fits). */
  words: number;
  /** Letters a prefix left untyped (0 for a whole word): the shortest completion is the likeliest. */
  untyped: number;
  /** SEARCH_REASON_RANK of the reason, and a tenth of what a fuzzy match would have been if exact. */
  rank: number;
}

/** Control and format characters are no part of a name: each made a space (a zero-width space splits no word). */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** The offices a search box query names, best first (see the top of this file). */
export function searchOffices(index: OfficeIndex, query: string, options: SearchOptions = {}): SearchHit[] {
  const limit = Math.max(0, Math.min(options.limit ?? SEARCH_LIMIT_DEFAULT, index.names.size));
  const text = query.slice(0, SEARCH_QUERY_MAX).replace(INVISIBLE, ' ');
  const tokens = phraseTokens(text).slice(0, SEARCH_WORDS_MAX);
  if (limit === 0 || tokens.length === 0) return [];
  const seen = new Map<string, KnownWord>();
  const words = tokens.map((token) => knownWord(index, token, seen));
  const found = new Map<string, Found>();
  const note: Note = (id, reason, matched, span, untyped = 0, exact = reason) => {
    const rank = SEARCH_REASON_RANK[reason] + SEARCH_REASON_RANK[exact] / 10;
    const before = found.get(id);
    if (!before) found.set(id, { id, reason, matched, words: span, untyped, rank });
    else {
      if (rank < before.rank) Object.assign(before, { reason, matched, rank });
      before.words |= span;
      before.untyped = Math.min(before.untyped, untyped);
    }
  };
  // Runs of words [start, end) that no name, town or postcode explained, noise apart.
  const unmatched: [number, number][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const length = matchAt(index, tokens, words, i, note);
    if (length > 0) i += length - 1;
    else if (!NOISE.has(tokens[i]!)) {
      const last = unmatched[unmatched.length - 1];
      if (last && last[1] === i) last[1] = i + 1;
      else unmatched.push([i, i + 1]);
    }
  }
  // They may be the start of a name or a town ("carl"), and so may the whole query ("leeds ea").
  for (const [start, end] of unmatched) matchPrefix(index, tokens, start, end, note);
  let first = 0;
  let last = tokens.length;
  while (first < last && NOISE.has(tokens[first]!)) first++;
  while (last > first && NOISE.has(tokens[last - 1]!)) last--;
  if (last - first >= 2) matchPrefix(index, tokens, first, last, note);
  return rank(
    index,
    [...found.values()],
    words.map((w) => w.word),
  ).slice(0, limit);
}

/**
 * Notes an office found, with the query's words it matched (`span`, a bit per word), the
 * letters a prefix left untyped, and for a fuzzy match what it would have been if exact
 * (a misspelt name ranks above a misspelt town).
 */
type Note = (
  id: string,
  reason: SearchReason,
  matched: string,
  span: number,
  untyped?: number,
  exact?: SearchReason,
) => void;

/** The bits of words [start, end). */
const span = (start: number, end: number) => ((1 << end) - 1) & ~((1 << start) - 1);

/** The postcode or longest phrase at word i, noted; the number of words it covers, or 0. */
function matchAt(
  index: OfficeIndex,
  tokens: readonly string[],
  words: readonly KnownWord[],
  i: number,
  note: Note,
): number {
  const code = readPostcode(index, tokens[i]!, tokens[i + 1]);
  if (code && code.ids.length > 0) {
    for (const id of code.ids) note(id, code.kind, code.code, span(i, i + code.words));
    return code.words;
  }
  for (let length = Math.min(index.searchMaxPhrase, tokens.length - i); length >= 1; length--) {
    let key = words[i]!.word;
    let corrected = words[i]!.source === 'correction';
    for (let k = 1; k < length; k++) {
      key += ' ' + words[i + k]!.word;
      corrected ||= words[i + k]!.source === 'correction';
    }
    const hit = index.searchPhrases.get(key);
    if (!hit) continue;
    if (length === 1 && PLACE_STOPWORDS.has(key)) return 0;
    const covered = span(i, i + length);
    hit.names.forEach((id, n) => {
      const reason = NAME_REASON[hit.nameKinds[n]!];
      note(id, corrected ? 'fuzzy' : reason, hit.text, covered, 0, reason);
    });
    for (const id of hit.towns) note(id, corrected ? 'fuzzy' : 'town', hit.text, covered, 0, 'town');
    return length;
  }
  return 0;
}

/** Phrases starting with words [start, end) (the last perhaps half typed), noted as fuzzy. */
function matchPrefix(index: OfficeIndex, tokens: readonly string[], start: number, end: number, note: Note): void {
  const prefix = tokens.slice(start, end).join(' ');
  if (prefix.length < PREFIX_MIN_LENGTH) return;
  const phrases = index.sortedPhrases;
  let low = 0;
  let high = phrases.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (phrases[middle]! < prefix) low = middle + 1;
    else high = middle;
  }
  const keys: string[] = [];
  for (let i = low; i < phrases.length && keys.length < PREFIX_PHRASES_MAX && phrases[i]!.startsWith(prefix); i++)
    keys.push(phrases[i]!);
  for (const key of keys) {
    const hit = index.searchPhrases.get(key)!;
    const words = span(start, end);
    for (const id of [...hit.names, ...hit.towns]) note(id, 'fuzzy', hit.text, words, key.length - prefix.length);
  }
}

function rank(index: OfficeIndex, found: Found[], tokens: readonly string[]): SearchHit[] {
  const query = new Set(tokens);
  const overlap = (id: string) => index.names.get(id)?.words.filter((w) => query.has(w)).length ?? 0;
  const named = new Map(found.map((f) => [f.id, overlap(f.id)]));
  const nameOf = (id: string) => index.names.get(id)?.name ?? id;
  const count = new Map(found.map((f) => [f.id, bitCount(f.words)]));
  found.sort(
    (a, b) =>
      count.get(b.id)! - count.get(a.id)! ||
      a.rank - b.rank ||
      a.untyped - b.untyped ||
      named.get(b.id)! - named.get(a.id)! ||
      (nameOf(a.id) < nameOf(b.id) ? -1 : nameOf(a.id) > nameOf(b.id) ? 1 : 0) ||
      (a.id < b.id ? -1 : 1),
  );
  return found.map(({ id, reason, matched }) => ({ id, reason, matched }));
}

function bitCount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
  return count;
}
