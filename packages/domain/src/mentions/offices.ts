/**
 * Finding the offices a mention names: by name, alias (Welsh names included),
 * misspelling, postcode or outward code, or the town in the address. Everything
 * is precomputed by buildOfficeIndex so that a lookup is a handful of map hits.
 */
import { normalisePostcode, outwardCode } from '../postcode.js';
import { phraseTokens, type Token } from './text.js';

export interface OfficeEntry {
  id: string;
  name: string;
  clusterId: string;
  postcode: string;
  address: string;
  aliases: readonly { alias: string; language: 'en' | 'cy' }[];
}

interface PhraseHit {
  /** Offices this phrase names (office name or alias). */
  names: string[];
  /** Offices whose address town is this phrase. */
  towns: string[];
}

export interface OfficeIndex {
  readonly clusterOf: ReadonlyMap<string, string>;
  readonly phrases: ReadonlyMap<string, PhraseHit>;
  /** Longest phrase, in tokens. */
  readonly maxPhrase: number;
  /** First tokens of phrases, to skip positions quickly. */
  readonly firstTokens: ReadonlySet<string>;
  /** Exact words of phrases (for fuzzy matching). */
  readonly vocabulary: ReadonlySet<string>;
  /** The longest word of the vocabulary: no longer word is within two edits of one. */
  readonly maxWordLength: number;
  /** Deletion neighbourhood (symmetric delete) of each vocabulary word of five letters or more. */
  readonly deletions: ReadonlyMap<string, string[]>;
  readonly byPostcode: ReadonlyMap<string, string[]>;
  readonly byOutward: ReadonlyMap<string, string[]>;
}

/** Words never matched on their own as an office, however a name is split. */
export const PLACE_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'open closed today tomorrow snow office offices centre park house road street court city central east west north south ' +
    'new green hill heath place lane wood town bridge forest the and on upon in under le st of isle port high long kings ' +
    'market great spa vale valley dock island haven bay head common cross way square walk row gate hall abbey upper lower ' +
    'little old y yr a i o jobcentre plus job business'
  ).split(' '),
);

/** Office names that are everyday words: matched only when capitalised or next to "jobcentre"/"in"/"at". */
const EVERYDAY_NAMES: ReadonlySet<string> = new Set(
  'reading bath wells bury mold flint rugby crook hove hyde poole diss ely deal sale barry stanley nelson richmond hayes grays leven porth wick upton hull burton melton colwyn frome yate louth leigh thorne newlands'.split(
    ' ',
  ),
);

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

const COUNTIES = new Set(
  (
    'kent|essex|suffolk|norfolk|surrey|sussex|east sussex|west sussex|devon|cornwall|dorset|somerset|cumbria|cleveland|gwent|powys|gwynedd|' +
    'fife|angus|argyll|orkney|anglesey|ynys mon|dyfed|torfaen|deeside|wirral|herts|hants|lancs|notts|staffs|beds|cambs|oxon|northants|' +
    'merseyside|northumberland|middlesex|tyne and wear|west midlands|west yorkshire|north yorkshire|south yorkshire|east yorkshire|s yorks|' +
    'co durham|co. durham|county durham|mid glamorgan|mid glam|west glamorgan|vale of glamorgan|s wales|scotland|wales|west lothian|midlothian|' +
    'isle of wight|isle of skye|isle of lewis|north tyneside|greater manchester|greater london|lincolnshire|north lincolnshire|north east lincolnshire'
  ).split('|'),
);
const STREETISH =
  /\b(road|street|lane|house|court|avenue|way|square|place|centre|center|buildings?|parade|precinct|terrace|walk|row|drive|close|crescent|estate|park|plaza|quay|mall|floor|suite|unit|chambers|offices?)$/i;

/** The town of an address: the last component that is not a county, a street or a number. */
export function addressTown(address: string): string | null {
  const parts = address
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (let i = parts.length - 1; i >= 1; i--) {
    const part = parts[i]!;
    const lower = part.toLowerCase();
    if (/\d/.test(part) || lower.endsWith('shire') || COUNTIES.has(lower) || STREETISH.test(part)) continue;
    return part;
  }
  return null;
}

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

function deletes(word: string, depth: number, out: Set<string>): void {
  if (depth === 0) return;
  for (let i = 0; i < word.length; i++) {
    const d = word.slice(0, i) + word.slice(i + 1);
    if (!out.has(d)) {
      out.add(d);
      deletes(d, depth - 1, out);
    }
  }
}

const allowedEdits = (length: number) => (length >= 8 ? 2 : length >= 5 ? 1 : 0);

export function buildOfficeIndex(offices: readonly OfficeEntry[]): OfficeIndex {
  const clusterOf = new Map<string, string>();
  const phrases = new Map<string, PhraseHit>();
  const byPostcode = new Map<string, string[]>();
  const byOutward = new Map<string, string[]>();
  const add = (text: string, id: string, kind: keyof PhraseHit) => {
    const tokens = phraseTokens(text);
    if (tokens.length === 0) return;
    if (tokens.every((t) => PLACE_STOPWORDS.has(t))) return;
    const key = tokens.join(' ');
    let hit = phrases.get(key);
    if (!hit) phrases.set(key, (hit = { names: [], towns: [] }));
    if (!hit[kind].includes(id)) hit[kind].push(id);
  };
  const push = (map: Map<string, string[]>, key: string, id: string) => {
    const list = map.get(key);
    if (list) {
      if (!list.includes(id)) list.push(id);
    } else map.set(key, [id]);
  };
  for (const office of offices) {
    clusterOf.set(office.id, office.clusterId);
    add(office.name, office.id, 'names');
    for (const part of office.name.split(',')) if (part.trim() !== office.name) add(part, office.id, 'names');
    // "Leeds Eastgate" is also "Eastgate"; "Birmingham South West" is not "South West".
    const tokens = phraseTokens(office.name);
    if (tokens.length >= 2) {
      const rest = tokens.slice(1);
      const distinctive = rest.filter((t) => !PLACE_STOPWORDS.has(t));
      if (distinctive.length > 0 && (rest.length > 1 || rest[0]!.length >= 5)) add(rest.join(' '), office.id, 'names');
    }
    for (const { alias } of office.aliases) add(alias, office.id, 'names');
    const town = addressTown(office.address);
    if (town) add(town, office.id, 'towns');
    const postcode = normalisePostcode(office.postcode);
    if (postcode) {
      push(byPostcode, postcode, office.id);
      push(byOutward, outwardCode(postcode), office.id);
    }
  }
  let maxPhrase = 1;
  const firstTokens = new Set<string>();
  const vocabulary = new Set<string>();
  for (const key of phrases.keys()) {
    const words = key.split(' ');
    maxPhrase = Math.max(maxPhrase, words.length);
    firstTokens.add(words[0]!);
    for (const w of words) if (!PLACE_STOPWORDS.has(w)) vocabulary.add(w);
  }
  let maxWordLength = 0;
  for (const word of vocabulary) maxWordLength = Math.max(maxWordLength, word.length);
  const deletions = new Map<string, string[]>();
  for (const word of vocabulary) {
    const edits = allowedEdits(word.length);
    if (edits === 0) continue;
    const set = new Set<string>([word]);
    deletes(word, edits, set);
    for (const d of set) push(deletions, d, word);
  }
  return { clusterOf, phrases, maxPhrase, firstTokens, vocabulary, maxWordLength, deletions, byPostcode, byOutward };
}

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
function correct(index: OfficeIndex, word: string): string | null {
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

/** Every office reference in the tokens, in order (not yet narrowed to a cluster). */
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

/** The offices named, looking in the account's cluster first and then the whole register. */
export function resolveOffices(given: readonly OfficeMatch[], clusterId: string, index: OfficeIndex): string[] {
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
      if (index.clusterOf.get(id) === clusterId && !local.includes(id)) local.push(id);
    }
  }
  return local.length > 0 ? local : all;
}
