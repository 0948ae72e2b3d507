/**
 * The text a cluster account posts about status changes of its own offices. Pure: the
 * caller passes the account, the changes of that account's offices and the clock.
 *
 * Every post names the account's offices, so no two accounts post the same text (X rule)
 * and no post is a generic sentence. Each thread part is at most 280 weighted characters
 * as X counts them (twitter-text: a URL weighs 23, emoji and CJK 2).
 */
import twitterText from 'twitter-text';
import { londonParts } from './london-time.js';
import { type Cause, type Certainty, type Status } from './status.js';

export const MAX_WEIGHTED_LENGTH = 280;

export type Language = 'en' | 'cy';

export interface ComposeAccount {
  handle: string;
  languages: readonly Language[];
  includeLink: boolean;
  link?: string;
}

/** The then-current state of one of the account's offices. */
export interface OfficeChange {
  officeName: string;
  status: Status;
  cause: Cause | null;
  /** The expected reopening has passed and nobody has said anything new. */
  stale?: boolean;
  expectedReopenAt: Date | null;
  reopenCertainty: Certainty;
  /** For a delay, when the office opens (defaults to expectedReopenAt). */
  opensAt?: Date | null;
  /** When the notice ends, used when no reopening time is given. */
  until?: Date | null;
}

export interface ComposedPost {
  language: Language;
  /** A single post, or a numbered thread. */
  parts: string[];
}

export function weightedLength(text: string): number {
  return twitterText.parseTweet(text).weightedLength;
}

export function fitsInPost(text: string): boolean {
  const parsed = twitterText.parseTweet(text);
  return parsed.valid && parsed.weightedLength <= MAX_WEIGHTED_LENGTH;
}

// Welsh wording: NEEDS REVIEW BY A WELSH SPEAKER before it goes live. Written to be
// plain and correct (adverbial "ddydd" for a day, no mutation after "am" with digits),
// but not checked by a native speaker.
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
    heating_failure: "oherwydd nam ar y gwres",
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
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  cy: ['Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin', 'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr'],
};

interface Phrases {
  open: (name: string) => string;
  closed: (name: string, cause: string) => string;
  stillClosed: (name: string, cause: string) => string;
  delayed: (name: string, cause: string) => string;
  stillDelayed: (name: string, cause: string) => string;
  reopen: Record<Certainty, (when: string) => string>;
  opens: Record<Certainty, (when: string) => string>;
  noReopenTime: string;
  noNewReopenTime: string;
  today: string;
  tomorrow: string;
  at: (time: string, day: string) => string;
  /** The first line of every part when composing with a stamp. */
  stamp: (time: string) => string;
}

const withCause = (s: string, cause: string) => (cause ? `${s} ${cause}` : s);

const PHRASES: Record<Language, Phrases> = {
  en: {
    open: (n) => `${n} is open again.`,
    closed: (n, c) => `${withCause(`${n} is closed`, c)}.`,
    stillClosed: (n, c) => `${withCause(`${n} is still closed`, c)}.`,
    delayed: (n, c) => `${withCause(`${n} is opening late`, c)}.`,
    stillDelayed: (n, c) => `${withCause(`${n} has not opened yet`, c)}.`,
    reopen: {
      confirmed: (w) => `It will reopen ${w}.`,
      expected: (w) => `It is expected to reopen ${w}.`,
      unknown: (w) => `It may reopen ${w}.`,
    },
    opens: {
      confirmed: (w) => `It will open ${w}.`,
      expected: (w) => `It is expected to open ${w}.`,
      unknown: (w) => `It may open ${w}.`,
    },
    noReopenTime: 'No reopening time yet.',
    noNewReopenTime: 'No new reopening time yet.',
    today: 'today',
    tomorrow: 'tomorrow',
    at: (t, d) => `at ${t} ${d}`,
    stamp: (t) => `Update ${t}`,
  },
  cy: {
    open: (n) => `Mae ${n} ar agor eto.`,
    closed: (n, c) => `${withCause(`Mae ${n} ar gau`, c)}.`,
    stillClosed: (n, c) => `${withCause(`Mae ${n} yn dal ar gau`, c)}.`,
    delayed: (n, c) => `${withCause(`Mae ${n} yn agor yn hwyr`, c)}.`,
    stillDelayed: (n, c) => `${withCause(`Nid yw ${n} wedi agor eto`, c)}.`,
    reopen: {
      confirmed: (w) => `Bydd yn ailagor ${w}.`,
      expected: (w) => `Disgwylir iddi ailagor ${w}.`,
      unknown: (w) => `Efallai y bydd yn ailagor ${w}.`,
    },
    opens: {
      confirmed: (w) => `Bydd yn agor ${w}.`,
      expected: (w) => `Disgwylir iddi agor ${w}.`,
      unknown: (w) => `Efallai y bydd yn agor ${w}.`,
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

/** One office's sentence(s), with the name as given (it may be shortened later). */
function officeLine(change: OfficeChange, name: string, now: Date, language: Language): string {
  const p = PHRASES[language];
  if (change.status === 'open') return p.open(name);
  const cause = change.cause ? CAUSE_WORDS[language][change.cause] : '';
  const delayed = change.status === 'delayed';
  if (change.stale) {
    return `${delayed ? p.stillDelayed(name, cause) : p.stillClosed(name, cause)} ${p.noNewReopenTime}`;
  }
  const time = delayed ? (change.opensAt ?? change.expectedReopenAt) : change.expectedReopenAt;
  const head = delayed ? p.delayed(name, cause) : p.closed(name, cause);
  if (time) return `${head} ${(delayed ? p.opens : p.reopen)[change.reopenCertainty](whenWords(time, now, language))}`;
  // The notice ends at a known time even though nobody gave a reopening time.
  if (change.until) return `${head} ${(delayed ? p.opens : p.reopen).confirmed(whenWords(change.until, now, language))}`;
  return `${head} ${p.noReopenTime}`;
}

interface Layout {
  link: string | null;
  /** Digits reserved for the numbering, 0 for a single post. */
  digits: number;
  /** 'Update 14:05': the first line of every part, or null for none. */
  stamp: string | null;
}

function renderPart(lines: readonly string[], index: number, total: number, withLink: string | null, stamp: string | null): string {
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

/** Shortens the office name with an ellipsis until its line fits in a part on its own. */
function fittedLine(change: OfficeChange, now: Date, language: Language, layout: Layout): string {
  // One line per office: a stray newline in a name must not break the layout.
  const name = change.officeName.normalize('NFC').replace(/\s+/g, ' ').trim();
  const full = officeLine(change, name, now, language);
  if (fitsAnywhere([full], layout)) return full;
  const chars = Array.from(name);
  const line = (n: number) => officeLine(change, `${chars.slice(0, n).join('').trimEnd()}…`, now, language);
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

function pack(lines: readonly string[], layout: Layout): string[][] {
  const parts: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (current.length && !fitsAnywhere([...current, line], layout)) {
      parts.push(current);
      current = [];
    }
    current.push(line);
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
): string[] {
  const link = account.includeLink && account.link ? account.link : null;
  const stamp = stampAt ? PHRASES[language].stamp(londonParts(stampAt).time) : null;
  // A single post needs no numbering; a thread reserves the width of its numbering and
  // is packed again if the count needs more digits than reserved.
  for (let digits = 0; ; digits++) {
    const layout: Layout = { link, digits, stamp };
    const lines = changes.map((c) => fittedLine(c, now, language, layout));
    const parts = pack(lines, layout);
    if (parts.length === 1 && digits === 0) return [renderPart(parts[0]!, 0, 1, link, stamp)];
    if (digits > 0 && String(parts.length).length <= digits) {
      // The link goes once per post: in the first part, where timelines show it.
      return parts.map((p, i) => renderPart(p, i, parts.length, i === 0 ? link : null, stamp));
    }
  }
}

export interface ComposeOptions {
  /**
   * Starts every part with 'Update HH:MM' ('Diweddariad HH:MM'), London time of this
   * instant. X rejects a post that duplicates a recent post of the same account, and the
   * same state ("Carlisle is closed…") may rightly be posted twice in a day: the stamp
   * makes each update's text distinct. It counts towards the 280, so parts still fit.
   */
  stampAt?: Date;
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
  return languages.map((language) => ({ language, parts: composeLanguage(account, changes, now, language, options.stampAt) }));
}
