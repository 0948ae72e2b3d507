// The sentences of status posts and replies, in English and Welsh: the words for causes,
// days and months, the phrases, and the sentence about one office or a list of offices in
// one state. Composing them into posts is compose.ts.
import { londonParts } from './london-time.js';
import type { Language, OfficeChange } from './post.js';
import type { Cause, Certainty } from './status.js';
// Welsh wording: NEEDS REVIEW BY A WELSH SPEAKER before it goes live. Written to be
// plain and correct (adverbial "ddydd" for a day, no mutation after "am" with digits),
// but not checked by a native speaker. Lists of offices join with "a", or "ac" before a
// vowel ("Aberdâr ac Abertawe"), and the name after "a" takes the aspirate mutation
// ("a Chaerdydd", "a Phorthcawl"); a listed subject keeps "Nid yw" ("Nid yw X a Y wedi
// agor eto").
const CAUSE_WORDS: Record<Language, Record<Cause, string>> = {
  en: {
    weather: 'because of severe weather',
    flooding: 'because of flooding',
    power_failure: 'because of a power cut',
    heating_failure: 'because the heating has failed',
    building: 'because of a problem with the building',
    staffing: 'because of staff shortages',
    security: 'because of a security incident',
    industrial_action: 'because of industrial action',
    other: 'because of an unexpected problem',
  },
  cy: {
    weather: 'oherwydd tywydd garw',
    flooding: 'oherwydd llifogydd',
    power_failure: 'oherwydd toriad pŵer',
    heating_failure: 'oherwydd nam ar y gwres',
    building: "oherwydd problem gyda'r adeilad",
    staffing: 'oherwydd prinder staff',
    security: 'oherwydd digwyddiad diogelwch',
    industrial_action: 'oherwydd gweithredu diwydiannol',
    other: 'oherwydd problem annisgwyl',
  },
};

const WEEKDAYS: Record<Language, readonly string[]> = {
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  cy: ['ddydd Llun', 'ddydd Mawrth', 'ddydd Mercher', 'ddydd Iau', 'ddydd Gwener', 'ddydd Sadwrn', 'ddydd Sul'],
};

const MONTHS: Record<Language, readonly string[]> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  cy: [
    'Ionawr',
    'Chwefror',
    'Mawrth',
    'Ebrill',
    'Mai',
    'Mehefin',
    'Gorffennaf',
    'Awst',
    'Medi',
    'Hydref',
    'Tachwedd',
    'Rhagfyr',
  ],
};

/**
 * The sentences name one office or a list of offices: `names` is the list already joined
 * ("Barrow, Carlisle and Kendal") and `many` says whether it is more than one.
 */
interface Phrases {
  /** "Carlisle", "Carlisle and Kendal", "Barrow, Carlisle and Kendal". */
  list: (names: readonly string[]) => string;
  open: (names: string, many: boolean) => string;
  closed: (names: string, cause: string, many: boolean) => string;
  stillClosed: (names: string, cause: string, many: boolean) => string;
  delayed: (names: string, cause: string, many: boolean) => string;
  stillDelayed: (names: string, cause: string, many: boolean) => string;
  reopen: Record<Certainty, (when: string, many: boolean) => string>;
  opens: Record<Certainty, (when: string, many: boolean) => string>;
  noReopenTime: string;
  noNewReopenTime: string;
  today: string;
  tomorrow: string;
  at: (time: string, day: string) => string;
  /** The first line of every part when composing with a stamp. */
  stamp: (time: string) => string;
}

const withCause = (s: string, cause: string) => (cause ? `${s} ${cause}` : s);

/** "A, B and C": `andLast` renders the last name with its conjunction. */
const joinList = (names: readonly string[], andLast: (last: string) => string): string =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} ${andLast(names[names.length - 1]!)}`;

/** "Barrow, Carlisle and Kendal" ("Barrow, Carlisle a Chendal"): a list of names as the posts write it. */
export function listNames(names: readonly string[], language: Language): string {
  return PHRASES[language].list(names);
}

/**
 * Welsh "and": "ac" before a vowel (accents aside: "ac Aberdâr", "ac Ystrad"); "a" with
 * the aspirate mutation otherwise (c, p, t become ch, ph, th: "a Chaerdydd", "a Phorthcawl",
 * "a Threorci"), as Welsh writes it.
 */
export function welshAnd(next: string): string {
  if (/^[aeiouy]/i.test(next.normalize('NFD'))) return `ac ${next}`;
  const mutated = next.replace(/^([CcPpTt])(?![Hh])/, (c: string) => `${c}h`);
  return `a ${mutated}`;
}

export const PHRASES: Record<Language, Phrases> = {
  en: {
    list: (names) => joinList(names, (last) => `and ${last}`),
    open: (n, m) => `${n} ${m ? 'are' : 'is'} open again.`,
    closed: (n, c, m) => `${withCause(`${n} ${m ? 'are' : 'is'} closed`, c)}.`,
    stillClosed: (n, c, m) => `${withCause(`${n} ${m ? 'are' : 'is'} still closed`, c)}.`,
    delayed: (n, c, m) => `${withCause(`${n} ${m ? 'are' : 'is'} opening late`, c)}.`,
    stillDelayed: (n, c, m) => `${withCause(`${n} ${m ? 'have' : 'has'} not opened yet`, c)}.`,
    reopen: {
      confirmed: (w, m) => `${m ? 'They' : 'It'} will reopen ${w}.`,
      expected: (w, m) => `${m ? 'They are' : 'It is'} expected to reopen ${w}.`,
      unknown: (w, m) => `${m ? 'They' : 'It'} may reopen ${w}.`,
    },
    opens: {
      confirmed: (w, m) => `${m ? 'They' : 'It'} will open ${w}.`,
      expected: (w, m) => `${m ? 'They are' : 'It is'} expected to open ${w}.`,
      unknown: (w, m) => `${m ? 'They' : 'It'} may open ${w}.`,
    },
    noReopenTime: 'No reopening time yet.',
    noNewReopenTime: 'No new reopening time yet.',
    today: 'today',
    tomorrow: 'tomorrow',
    at: (t, d) => `at ${t} ${d}`,
    stamp: (t) => `Update ${t}`,
  },
  cy: {
    list: (names) => joinList(names, welshAnd),
    open: (n) => `Mae ${n} ar agor eto.`,
    closed: (n, c) => `${withCause(`Mae ${n} ar gau`, c)}.`,
    stillClosed: (n, c) => `${withCause(`Mae ${n} yn dal ar gau`, c)}.`,
    delayed: (n, c) => `${withCause(`Mae ${n} yn agor yn hwyr`, c)}.`,
    stillDelayed: (n, c) => `${withCause(`Nid yw ${n} wedi agor eto`, c)}.`,
    reopen: {
      confirmed: (w, m) => `${m ? 'Byddant' : 'Bydd'} yn ailagor ${w}.`,
      expected: (w, m) => `Disgwylir ${m ? 'iddynt' : 'iddi'} ailagor ${w}.`,
      unknown: (w, m) => `Efallai y ${m ? 'byddant' : 'bydd'} yn ailagor ${w}.`,
    },
    opens: {
      confirmed: (w, m) => `${m ? 'Byddant' : 'Bydd'} yn agor ${w}.`,
      expected: (w, m) => `Disgwylir ${m ? 'iddynt' : 'iddi'} agor ${w}.`,
      unknown: (w, m) => `Efallai y ${m ? 'byddant' : 'bydd'} yn agor ${w}.`,
    },
    noReopenTime: 'Dim amser ailagor eto.',
    noNewReopenTime: 'Dim amser ailagor newydd eto.',
    today: 'heddiw',
    tomorrow: 'yfory',
    at: (t, d) => `am ${t} ${d}`,
    stamp: (t) => `Diweddariad ${t}`,
  },
};

const dayNumber = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000;

/** "at 10:00 tomorrow", "am 10:00 heddiw", "at 09:30 on Friday 27 November": London time. */
export function whenWords(at: Date, now: Date, language: Language): string {
  const p = PHRASES[language];
  const local = londonParts(at);
  const diff = dayNumber(local.date) - dayNumber(londonParts(now).date);
  let day: string;
  if (diff === 0) day = p.today;
  else if (diff === 1) day = p.tomorrow;
  else {
    const [, month, date] = local.date.split('-').map(Number);
    const weekday = WEEKDAYS[language][local.isoWeekday - 1] ?? '';
    day = `${language === 'en' ? 'on ' : ''}${weekday} ${date} ${MONTHS[language][(month ?? 1) - 1]}`;
  }
  return p.at(local.time, day);
}

/**
 * The sentence(s) about one or more offices in the same state, names as given (a single
 * name may be shortened later): "Carlisle is closed …", "Barrow and Kendal are closed …".
 */
export function officeLine(change: OfficeChange, names: readonly string[], now: Date, language: Language): string {
  const p = PHRASES[language];
  const many = names.length > 1;
  const name = p.list(names);
  if (change.status === 'open') return p.open(name, many);
  const cause = change.cause ? CAUSE_WORDS[language][change.cause] : '';
  const delayed = change.status === 'delayed';
  if (change.stale) {
    return `${delayed ? p.stillDelayed(name, cause, many) : p.stillClosed(name, cause, many)} ${p.noNewReopenTime}`;
  }
  const time = delayed ? (change.opensAt ?? change.expectedReopenAt) : change.expectedReopenAt;
  const head = delayed ? p.delayed(name, cause, many) : p.closed(name, cause, many);
  if (time)
    return `${head} ${(delayed ? p.opens : p.reopen)[change.reopenCertainty](whenWords(time, now, language), many)}`;
  // The notice ends at a known time even though nobody gave a reopening time.
  if (change.until)
    return `${head} ${(delayed ? p.opens : p.reopen).confirmed(whenWords(change.until, now, language), many)}`;
  return `${head} ${p.noReopenTime}`;
}
