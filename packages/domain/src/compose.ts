/**
 * The text a account posts about status changes of its own offices. Pure: the
 * caller passes the account, the changes of that account's offices and the clock.
 *
 * Every post names the account's offices, so no two accounts post the same text (X rule)
 * and no post is a generic sentence. Each thread part is at most 280 weighted characters
 * as X counts them (twitter-text: a URL weighs 23, emoji and CJK 2).
 *
 * Offices whose sentence would be the same but for the name share one sentence ("Barrow,
 * Carlisle and Kendal are closed …"), in order of first appearance, so a wide closure
 * takes a few parts, not one part per two offices. A list too long for one part is split
 * into several complete sentences; every office is named exactly once per language.
 */
import { distinctMark } from './distinct-text.js';
import { londonParts } from './london-time.js';
import {
  fitsInPost,
  isPostableLink,
  type ComposeAccount,
  type ComposedPost,
  type Language,
  type OfficeChange,
} from './post.js';
import { type Cause, type Certainty } from './status.js';
import { plainText } from './text.js';

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

/** "A, B and C": the last name joined with `and(last)`, the others with commas. */
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

const PHRASES: Record<Language, Phrases> = {
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
function officeLine(change: OfficeChange, names: readonly string[], now: Date, language: Language): string {
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

interface Layout {
  link: string | null;
  /** Digits reserved for the numbering, 0 for a single post. */
  digits: number;
  /** 'Update 14:05': the first line of every part, or null for none. */
  stamp: string | null;
}

function renderPart(
  lines: readonly string[],
  index: number,
  total: number,
  withLink: string | null,
  stamp: string | null,
): string {
  // Every part carries the stamp, not only the first: X compares each post's text on
  // its own, and a thread's later parts repeat just as easily as its first.
  let text = (stamp ? [stamp, ...lines] : lines).join('\n');
  if (total > 1) text += ` (${index + 1}/${total})`;
  if (withLink) text += `\n${withLink}`;
  return text;
}

/** Worst case for a part: the link and the widest numbering; digits weigh 1 each. */
function fitsAnywhere(lines: readonly string[], layout: Layout): boolean {
  const wide = layout.digits ? Number('9'.repeat(layout.digits)) : 1;
  return fitsInPost(renderPart(lines, wide - 1, wide, layout.link, layout.stamp));
}

/** Offices whose sentence is the same but for the name, in order of first appearance. */
interface Group {
  /** The first office of the group: its sentence stands for all of them. */
  change: OfficeChange;
  names: string[];
}

/**
 * The office's name as a post writes it (the Welsh one in Welsh): one plain line, whatever
 * the register holds. A stray newline must not break the layout, and a control or format
 * character (a bidirectional override, a zero-width space) must not reach a post: names
 * come from an imported file, not through the API's checks.
 */
export function postedName(change: Pick<OfficeChange, 'officeName' | 'welshName'>, language: Language): string {
  const given = language === 'cy' && change.welshName ? change.welshName : change.officeName;
  return plainText(given).normalize('NFC').replace(/\s+/g, ' ').trim();
}

function groupChanges(changes: readonly OfficeChange[], now: Date, language: Language): Group[] {
  const groups = new Map<string, Group>();
  for (const change of changes) {
    const name = postedName(change, language);
    // The sentence without a name: equal exactly when the wording after the name is.
    const key = officeLine(change, [''], now, language);
    const group = groups.get(key);
    if (group) group.names.push(name);
    else groups.set(key, { change, names: [name] });
  }
  return [...groups.values()];
}

/**
 * The sentences about these offices, those in the same state sharing one ("Barrow and
 * Kendal are closed …"), in order of first appearance: for a reply to a citizen.
 */
export function statusSentences(changes: readonly OfficeChange[], now: Date, language: Language): string[] {
  return groupChanges(changes, now, language).map((g) => officeLine(g.change, g.names, now, language));
}

/** Shortens the office name with an ellipsis until its line fits in a part on its own. */
function fittedLine(change: OfficeChange, name: string, now: Date, language: Language, layout: Layout): string {
  const full = officeLine(change, [name], now, language);
  if (fitsAnywhere([full], layout)) return full;
  const chars = Array.from(name);
  const line = (n: number) => officeLine(change, [`${chars.slice(0, n).join('').trimEnd()}…`], now, language);
  // Invariant: a name of `lo` characters fits (0 does: the sentences themselves are short).
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsAnywhere([line(mid)], layout)) lo = mid;
    else hi = mid - 1;
  }
  return line(lo);
}

/**
 * Fills parts in order. A group's names go into as few sentences as fit: the first takes
 * as many names as fit in what is left of the current part, each further one as many as
 * fit in a fresh part. Every sentence is complete, so every part reads on its own.
 */
function pack(groups: readonly Group[], now: Date, language: Language, layout: Layout): string[][] {
  const parts: string[][] = [];
  let current: string[] = [];
  const fits = (line: string) => fitsAnywhere([...current, line], layout);
  for (const { change, names } of groups) {
    let next = 0;
    while (next < names.length) {
      const line = (count: number) => officeLine(change, names.slice(next, next + count), now, language);
      if (!fits(line(1))) {
        if (current.length) {
          parts.push(current);
          current = [];
          continue;
        }
        // Alone in a part and still too long: this one name is cut to fit.
        current.push(fittedLine(change, names[next]!, now, language, layout));
        next += 1;
        continue;
      }
      let count = 1;
      while (next + count < names.length && fits(line(count + 1))) count++;
      current.push(line(count));
      next += count;
    }
  }
  if (current.length) parts.push(current);
  return parts;
}

function composeLanguage(
  account: ComposeAccount,
  changes: readonly OfficeChange[],
  now: Date,
  language: Language,
  stampAt: Date | undefined,
  stampAttempt: number,
): string[] {
  // The API refuses links X would not count as 23; one stored before is left out, never overlong.
  const link = account.includeLink && account.link && isPostableLink(account.link) ? account.link : null;
  const stamp = stampAt ? PHRASES[language].stamp(stampWords(stampAt, stampAttempt)) : null;
  const groups = groupChanges(changes, now, language);
  // A single post needs no numbering; a thread reserves the width of its numbering and
  // is packed again if the count needs more digits than reserved.
  for (let digits = 0; ; digits++) {
    const layout: Layout = { link, digits, stamp };
    const parts = pack(groups, now, language, layout);
    if (parts.length === 1 && digits === 0) return [renderPart(parts[0]!, 0, 1, link, stamp)];
    if (digits > 0 && String(parts.length).length <= digits) {
      // The link goes once per post: in the first part, where timelines show it.
      return parts.map((p, i) => renderPart(p, i, parts.length, i === 0 ? link : null, stamp));
    }
  }
}

/**
 * '26/11 08:05': the London date and time of a stamp. A text the account already has is
 * told apart by the one rule of distinct-text.ts: attempt 1 '26/11 08:05:07' (seconds, for a
 * second update within the same minute), attempt n '26/11 08:05:07 #n'.
 */
export function stampWords(at: Date, attempt = 0): string {
  const local = londonParts(at);
  const [, month, day] = local.date.split('-');
  return `${day}/${month} ${distinctMark(at, attempt) ?? local.time}`;
}

export interface ComposeOptions {
  /**
   * Starts every part with 'Update 26/11 08:05' ('Diweddariad 26/11 08:05'), London date
   * and time of this instant. X rejects a post that duplicates an earlier post of the same
   * account, and the same state ("Carlisle is closed…") may rightly be posted again, on
   * another day or later the same day: the stamp makes each update's text distinct. It
   * counts towards the 280, so parts still fit.
   */
  stampAt?: Date;
  /** Seconds in the stamp too: for a second update within the same minute (stampAttempt 1). */
  stampSeconds?: boolean;
  /**
   * The attempt of the rule for a text the account already has (distinct-text.ts): 0 the
   * minute, 1 the second, n the second and ' #n'. Overrides stampSeconds.
   */
  stampAttempt?: number;
}

/**
 * The posts an account makes for changes of its own offices: one per language it posts
 * in (English always, Welsh too for a 'cy' account), each a single post or a numbered
 * thread. Nothing when there are no changes.
 */
export function composeStatusPosts(
  account: ComposeAccount,
  changes: readonly OfficeChange[],
  now: Date,
  options: ComposeOptions = {},
): ComposedPost[] {
  if (changes.length === 0) return [];
  const languages: Language[] = ['en', ...(account.languages.includes('cy') ? (['cy'] as const) : [])];
  return languages.map((language) => ({
    language,
    parts: composeLanguage(
      account,
      changes,
      now,
      language,
      options.stampAt,
      options.stampAttempt ?? (options.stampSeconds ? 1 : 0),
    ),
  }));
}
