/**
 * Canonical words, shared by everything that reads a place name: the office index (names,
 * aliases, towns), the search box and the mention tokeniser. Accents and case folded,
 * repeated letters collapsed, and the usual abbreviations ("jcp", "2moro", "r u") spelled
 * out. Pure and allocation-light: it runs on the hot path of the classifier and of search.
 */

/** A word (letters and digits, with inner apostrophes) or a sentence's punctuation. */
export const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*|[?!.;\n]/gu;
const REPEATS = /([a-z])\1{2,}/g;

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

/** Accents stripped (NFKD) and curly apostrophes made straight. */
export function fold(text: string): string {
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

/** Appends the canonical form(s) of one lower-case written word to out. */
export function pushWord(out: string[], lower: string): void {
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
