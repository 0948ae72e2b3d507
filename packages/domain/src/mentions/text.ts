/**
 * Turning a mention into canonical tokens: mentions, URLs and retweet prefixes
 * stripped, accents and case folded, repeated letters collapsed, and the usual
 * abbreviations ("jcp", "2moro", "r u") spelled out. Pure and allocation-light: it
 * runs once per mention on the hot path of the classifier.
 */

export interface Token {
  /** Canonical lower-case form ("jobcentre" for "JCP", "tomorrow" for "2moro"). */
  t: string;
  /** Whether the word was written with a capital letter. */
  cap: boolean;
  /** Index of the sentence the word is in. */
  s: number;
}

export interface Sentence {
  start: number;
  end: number; // exclusive token index
  question: boolean;
}

export interface Tokenised {
  retweet: boolean;
  tokens: Token[];
  sentences: Sentence[];
}

const RETWEET = /^\s*RT\s*@\w+\s*:?/i;
const URL = /\b(?:https?:\/\/|www\.)\S+/gi;
const MENTION = /@\w+/g;
const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*|[?!.;\n]/gu;
const REPEATS = /([a-z])\1{2,}/g;
const PUNCTUATION = '?!.;\n';

/** Three of the same letter in a row ("todayyy"): what REPEATS folds (checked without a pattern, as most words have none). */
function hasRepeat(word: string): boolean {
  for (let i = 2; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a && c === word.charCodeAt(i - 1) && c === word.charCodeAt(i - 2)) return true;
  }
  return false;
}
const DIACRITICS = /[\u0300-\u036f]/g;

/** One written token → canonical tokens. */
const ABBREVIATIONS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ...[
    'jc',
    'jcp',
    'jcplus',
    'jobcentre',
    'jobcenter',
    'jobcentres',
    'jobcenters',
    'jobcentreplus',
    'jobcenterplus',
    'jobcente',
    'jobcntre',
    'dole',
  ].map((w) => [w, ['jobcentre']] as const),
  ...['u', 'ya', 'yous', 'youse', 'yall', 'ye', 'yu', 'yoo'].map((w) => [w, ['you']] as const),
  ['r', ['are']],
  ['ur', ['your']],
  ['youre', ['you', 'are']],
  ['yer', ['your']],
  ['ru', ['are', 'you']],
  ...[
    '2moro',
    '2morrow',
    '2mrw',
    '2moz',
    'tmrw',
    'tmr',
    'tmrow',
    'tmoro',
    'tomoz',
    'tomo',
    'tomorow',
    'tommorow',
    'tommorrow',
    'tomorrw',
    'tomorro',
    'tomorrows',
    'tmw',
    'tomrw',
    'tomrrow',
    'tomorroe',
  ].map((w) => [w, ['tomorrow']] as const),
  ...['2day', 'tdy', 'tday', 'todays', 'todday', 'tody', '2nite', 'tonite', 'tonight'].map(
    (w) => [w, ['today']] as const,
  ),
  ...['fory', 'yfori'].map((w) => [w, ['yfory']] as const),
  ...['pls', 'plz', 'plse', 'plez', 'pleas'].map((w) => [w, ['please']] as const),
  ...['thx', 'thanx', 'thnx', 'ty', 'thank', 'thnks', 'thanks'].map((w) => [w, ['thanks']] as const),
  ...['opn', 'opne', 'oepn', 'opem'].map((w) => [w, ['open']] as const),
  ...['clsd', 'closd', 'cloesd', 'colsed', 'clossed', 'closeed'].map((w) => [w, ['closed']] as const),
  ...['wat', 'wot', 'wht'].map((w) => [w, ['what']] as const),
  ...['wen', 'wn'].map((w) => [w, ['when']] as const),
  ['cn', ['can']],
  ['appt', ['appointment']],
  ['appts', ['appointment']],
  ['apt', ['appointment']],
  ['apointment', ['appointment']],
  ['appoinment', ['appointment']],
  ['appointmet', ['appointment']],
  ['appointments', ['appointment']],
  ['saint', ['st']],
  ['ganolfan', ['canolfan']],
  ['chanolfan', ['canolfan']],
  ['nghanolfan', ['canolfan']],
  ['swyddfar', ['swyddfa', 'yr']],
  ['centres', ['centre']],
  ['center', ['centre']],
  ['centers', ['centre']],
]);

/** Welsh forms whose "'r" / "'n" clitic is the article or the particle "yn". */
const CLITIC_R = /^(.+)'r$/;
const CLITIC_N = /^(chi|ti|i|fi|ni|nhw|hi|fe|fo|o|mae|sy|bydd|dych|ych|ydych|yda|dach)'n$/;

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(DIACRITICS, '')
    .replace(/\u2019/g, "'");
}

/** The canonical tokens of one name or phrase (office names, aliases, towns). */
export function phraseTokens(text: string): string[] {
  const out: string[] = [];
  for (const match of fold(text).toLowerCase().matchAll(WORD)) {
    const word = match[0];
    if (word.length === 1 && !/[\p{L}\p{N}]/u.test(word)) continue;
    pushWord(out, word);
  }
  return out;
}

function pushWord(out: string[], lower: string): void {
  let word = hasRepeat(lower) ? lower.replace(REPEATS, '$1') : lower;
  if (word.includes("'")) {
    const r = CLITIC_R.exec(word);
    const n = CLITIC_N.exec(word);
    if (n?.[1]) {
      out.push(n[1], 'yn');
      return;
    }
    if (r?.[1] && !r[1].includes("'")) {
      pushWord(out, r[1]);
      out.push('yr');
      return;
    }
    word = word.replace(/'s$/, '').replace(/'/g, '');
  }
  const mapped = ABBREVIATIONS.get(word);
  if (mapped) for (const m of mapped) out.push(m);
  else out.push(word);
}

/** Two-word abbreviations merged after tokenising ("job centre" → jobcentre). */
function mergePairs(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1];
    if (b && a.s === b.s) {
      if (a.t === 'job' && (b.t === 'centre' || b.t === 'centreplus')) {
        out.push({ t: 'jobcentre', cap: a.cap, s: a.s });
        i++;
        if (tokens[i + 1]?.t === 'plus') i++;
        continue;
      }
      if (a.t === 'canolfan' && (b.t === 'waith' || b.t === 'gwaith')) {
        out.push({ t: 'jobcentre', cap: a.cap, s: a.s });
        i++;
        continue;
      }
      if (a.t === 'jobcentre' && b.t === 'plus') {
        out.push(a);
        i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

/** Strips a mention down to canonical tokens grouped in sentences. */
export function tokenise(text: string): Tokenised {
  const retweet = RETWEET.test(text);
  const cleaned = fold(text.replace(URL, ' ').replace(MENTION, ' '));
  const raw: Token[] = [];
  const sentences: Sentence[] = [];
  let sentence = 0;
  let start = 0;
  let question = false;
  const words: string[] = [];
  for (const match of cleaned.matchAll(WORD)) {
    const word = match[0];
    if (word.length === 1 && PUNCTUATION.includes(word)) {
      if (word === '?') question = true;
      // "St. Helens": a full stop after an abbreviation does not end the sentence.
      const last = raw[raw.length - 1];
      if (word === '.' && last && last.s === sentence && (last.t === 'st' || last.t === 'mr' || last.t === 'dr'))
        continue;
      if (raw.length > start || question) {
        if (raw.length > start) sentences.push({ start, end: raw.length, question });
        else {
          const prev = sentences[sentences.length - 1];
          if (prev && question) prev.question = true;
        }
        sentence = sentences.length;
        start = raw.length;
      }
      question = false;
      continue;
    }
    const first = word[0]!;
    const cap = first !== first.toLowerCase();
    words.length = 0;
    pushWord(words, word.toLowerCase());
    for (const w of words) raw.push({ t: w, cap, s: sentence });
  }
  if (raw.length > start) sentences.push({ start, end: raw.length, question });
  const tokens = mergePairs(raw);
  if (tokens.length !== raw.length) {
    // Re-derive sentence bounds after merging.
    const bounds: Sentence[] = sentences.map((s) => ({ start: -1, end: -1, question: s.question }));
    tokens.forEach((tok, i) => {
      const b = bounds[tok.s]!;
      if (b.start < 0) b.start = i;
      b.end = i + 1;
    });
    return { retweet, tokens, sentences: bounds.filter((b) => b.start >= 0) };
  }
  return { retweet, tokens, sentences };
}
