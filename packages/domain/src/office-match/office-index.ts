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

interface PhraseHit {
  /** Offices this phrase names (office name or alias). */
  names: string[];
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
    accountOf.set(office.id, office.accountId);
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
  return { accountOf, phrases, maxPhrase, firstTokens, vocabulary, maxWordLength, deletions, byPostcode, byOutward };
}
