/**
 * The index of the offices a mention or a search may name: by name, alias (Welsh names
 * included), misspelling, postcode or outward code, or the town in the address. Everything is
 * precomputed by buildOfficeIndex so that a lookup (../mentions/office-mentions.ts, search.ts)
 * is a handful of map hits.
 */
import { normalisePostcode, outwardCode } from '../postcode.js';
import { allowedEdits, deletes } from './spelling.js';
import { phraseTokens } from './words.js';

export interface OfficeEntry {
  id: string;
  name: string;
  accountId: string;
  postcode: string;
  address: string;
  aliases: readonly { alias: string; language: 'en' | 'cy' }[];
}

/**
 * How a phrase names an office: its whole name, an alias (English or Welsh), or a part of its
 * name ("Eastgate" of "Leeds Eastgate", one side of "Alton, Bordon").
 */
export type NameKind = 'name' | 'alias' | 'welsh-name' | 'part';
/** Strongest first: a phrase that is one office's name and another's part names the first better. */
const NAME_KINDS: readonly NameKind[] = ['name', 'alias', 'welsh-name', 'part'];

export interface PhraseHit {
  /** The phrase as first written in the register ("Abertawe", "Leeds Eastgate"). */
  text: string;
  /** Offices this phrase names (office name, alias or part of a name). */
  names: string[];
  /** How it names each of them: nameKinds[i] for names[i]. */
  nameKinds: NameKind[];
  /** Offices whose address town is this phrase. */
  towns: string[];
}

export interface OfficeIndex {
  readonly accountOf: ReadonlyMap<string, string>;
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
  /**
   * The phrases with those only a search box is read with: names made of place words alone
   * ("Wood Green", "Forest Hill": everyday words in a sentence) and every tail of a name
   * ("Britannia House" of "Hull West Britannia House").
   */
  readonly searchPhrases: ReadonlyMap<string, PhraseHit>;
  /** Longest of searchPhrases, in tokens. */
  readonly searchMaxPhrase: number;
  /** Every search phrase, sorted: a prefix ("carl", "leeds ea") is a range of it. */
  readonly sortedPhrases: readonly string[];
  /** Each office's name, and its canonical words (search ranks the offices of a town by them). */
  readonly names: ReadonlyMap<string, { name: string; words: readonly string[] }>;
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

export function buildOfficeIndex(offices: readonly OfficeEntry[]): OfficeIndex {
  const accountOf = new Map<string, string>();
  const phrases = new Map<string, PhraseHit>();
  const byPostcode = new Map<string, string[]>();
  const byOutward = new Map<string, string[]>();
  const names = new Map<string, { name: string; words: readonly string[] }>();
  const addTo: AddPhrase = (map, tokens, text, id, kind) => {
    const key = tokens.join(' ');
    let hit = map.get(key);
    if (!hit) map.set(key, (hit = { text: text.trim(), names: [], nameKinds: [], towns: [] }));
    if (kind === 'town') {
      if (!hit.towns.includes(id)) hit.towns.push(id);
      return;
    }
    const at = hit.names.indexOf(id);
    if (at < 0) {
      hit.names.push(id);
      hit.nameKinds.push(kind);
    } else if (NAME_KINDS.indexOf(kind) < NAME_KINDS.indexOf(hit.nameKinds[at]!)) hit.nameKinds[at] = kind;
  };
  const add = (text: string, id: string, kind: NameKind | 'town') => {
    const tokens = phraseTokens(text);
    if (tokens.length === 0) return;
    if (tokens.every((t) => PLACE_STOPWORDS.has(t))) return;
    addTo(phrases, tokens, text, id, kind);
  };
  const push = (map: Map<string, string[]>, key: string, id: string) => {
    const list = map.get(key);
    if (list) {
      if (!list.includes(id)) list.push(id);
    } else map.set(key, [id]);
  };
  for (const office of offices) {
    accountOf.set(office.id, office.accountId);
    names.set(office.id, { name: office.name, words: phraseTokens(office.name) });
    add(office.name, office.id, 'name');
    for (const part of office.name.split(',')) if (part.trim() !== office.name) add(part, office.id, 'part');
    // "Leeds Eastgate" is also "Eastgate"; "Birmingham South West" is not "South West".
    const tokens = phraseTokens(office.name);
    if (tokens.length >= 2) {
      const rest = tokens.slice(1);
      const distinctive = rest.filter((t) => !PLACE_STOPWORDS.has(t));
      if (distinctive.length > 0 && (rest.length > 1 || rest[0]!.length >= 5)) add(rest.join(' '), office.id, 'part');
    }
    for (const { alias, language } of office.aliases) add(alias, office.id, language === 'cy' ? 'welsh-name' : 'alias');
    const town = addressTown(office.address);
    if (town) add(town, office.id, 'town');
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
  const searchPhrases = searchOnlyPhrases(offices, phrases, addTo);
  let searchMaxPhrase = 1;
  for (const key of searchPhrases.keys()) searchMaxPhrase = Math.max(searchMaxPhrase, key.split(' ').length);
  const sortedPhrases = [...searchPhrases.keys()].sort();
  return {
    accountOf,
    phrases,
    maxPhrase,
    firstTokens,
    vocabulary,
    maxWordLength,
    deletions,
    byPostcode,
    byOutward,
    searchPhrases,
    searchMaxPhrase,
    sortedPhrases,
    names,
  };
}

/** Adds the office `id` to the phrase of `tokens` in `map`, as named there (`kind`) or as its town. */
type AddPhrase = (
  map: Map<string, PhraseHit>,
  tokens: readonly string[],
  text: string,
  id: string,
  kind: NameKind | 'town',
) => void;

/** The mention phrases (copied, never changed) and those only a search reads (OfficeIndex.searchPhrases). */
function searchOnlyPhrases(
  offices: readonly OfficeEntry[],
  phrases: ReadonlyMap<string, PhraseHit>,
  addTo: AddPhrase,
): Map<string, PhraseHit> {
  const search = new Map<string, PhraseHit>();
  for (const [key, hit] of phrases)
    search.set(key, { text: hit.text, names: [...hit.names], nameKinds: [...hit.nameKinds], towns: [...hit.towns] });
  for (const office of offices) {
    const tokens = phraseTokens(office.name);
    if (tokens.length > 0) addTo(search, tokens, office.name, office.id, 'name');
    for (const { alias, language } of office.aliases) {
      const words = phraseTokens(alias);
      if (words.length > 0) addTo(search, words, alias, office.id, language === 'cy' ? 'welsh-name' : 'alias');
    }
    for (let start = 1; start < tokens.length; start++) {
      const tail = tokens.slice(start);
      if (tail.some((t) => !PLACE_STOPWORDS.has(t)) && (tail.length > 1 || tail[0]!.length >= 5))
        addTo(search, tail, tail.join(' '), office.id, 'part');
    }
  }
  return search;
}
