/**
 * The reply to a citizen who asked an account whether an office is open: templated (X
 * requires approval for generated replies), polite, in the language of the question,
 * within 280 weighted characters, and never repeating what the citizen wrote.
 */
import { postedName, statusSentences } from './compose.js';
import { listNames } from './status-sentences.js';
import { fitsInPost, type Language, type OfficeChange } from './post.js';
import { londonParts } from './london-time.js';
import { isXUsername } from './x-username.js';

export interface LiveHours {
  /** ISO weekdays (1 = Monday) when people answer. */
  days: readonly number[];
  start: string;
  end: string;
}

export const DEFAULT_LIVE_HOURS: LiveHours = Object.freeze({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' });

export interface ReplyInput {
  language: Language;
  /** The offices the question named, with their then-current state. */
  asked: readonly OfficeChange[];
  /** When no office was named: the account's offices in business, and those disrupted now. */
  account?: { total: number; disrupted: readonly OfficeChange[] };
  /** The question was about a later day than today. */
  later?: boolean;
  now: Date;
  liveHours?: LiveHours;
  /**
   * The citizen's username: the reply starts with their @handle (so no two replies are the
   * same text). Must be a valid X username (see isXUsername), else the composer throws.
   */
  to?: string;
}

/**
 * The reply's leading `@handle`, or nothing. A username that breaks X's rule is refused
 * (thrown), never written: the callers check it first, so this is the last line of defence
 * against outside text at the start of an official post. The error does not carry the value.
 */
function addressee(to: string | undefined): string[] {
  // None (or empty): a reply without a handle, as before.
  if (to === undefined || to === '') return [];
  if (!isXUsername(to)) throw new TypeError('refusing to compose a reply to a username that is not a valid X username');
  return [`@${to}`];
}

const TEXT = {
  en: {
    thanks: 'Thanks for asking.',
    openAsNormal: (names: string, many: boolean) => `${names} ${many ? 'are' : 'is'} open as normal.`,
    allOpen: (total: number) => `All ${total} of our offices are open as normal.`,
    othersOpen: (n: number) =>
      n === 1 ? 'Our other office is open as normal.' : `Our other ${n} offices are open as normal.`,
    manyDisrupted: (n: number, total: number) =>
      `${n} of our ${total} offices are closed or opening late: our latest posts say which.`,
    othersNormal: 'The others are open as normal.',
    later: 'We will post here if that changes.',
    team: (hours: string) => `Our team is here ${hours} if you need more help.`,
    weekdays: 'Monday to Friday',
    everyDay: 'every day',
  },
  cy: {
    thanks: 'Diolch am ofyn.',
    openAsNormal: (names: string) => `Mae ${names} ar agor fel arfer.`,
    allOpen: (total: number) => `Mae pob un o'n ${total} swyddfa ar agor fel arfer.`,
    othersOpen: (n: number) =>
      n === 1 ? 'Mae ein swyddfa arall ar agor fel arfer.' : `Mae ein ${n} swyddfa arall ar agor fel arfer.`,
    manyDisrupted: (n: number, total: number) =>
      `Mae ${n} o'n ${total} swyddfa ar gau neu'n agor yn hwyr: mae ein negeseuon diweddaraf yn dweud pa rai.`,
    othersNormal: "Mae'r lleill ar agor fel arfer.",
    later: "Byddwn yn postio yma os bydd hynny'n newid.",
    team: (hours: string) => `Mae ein tîm yma ${hours} os oes angen rhagor o help arnoch.`,
    weekdays: 'o ddydd Llun i ddydd Gwener',
    everyDay: 'bob dydd',
  },
} as const;

function liveNow(hours: LiveHours, now: Date): boolean {
  const local = londonParts(now);
  return hours.days.includes(local.isoWeekday) && local.time >= hours.start && local.time < hours.end;
}

function hoursWords(hours: LiveHours, language: Language): string {
  const t = TEXT[language];
  const days = hours.days.length === 7 ? t.everyDay : hours.days.join(',') === '1,2,3,4,5' ? t.weekdays : '';
  return `${hours.start}-${hours.end}${days ? ` ${days}` : ''}`;
}

/** Open offices get "open as normal" (not "open again": nothing may have happened). */
function sentences(changes: readonly OfficeChange[], now: Date, language: Language): string[] {
  const open = changes.filter((c) => c.status === 'open');
  const disrupted = changes.filter((c) => c.status !== 'open');
  const out = statusSentences(disrupted, now, language);
  if (open.length > 0) {
    const names = open.map((c) => postedName(c, language));
    out.push(TEXT[language].openAsNormal(listNames(names, language), names.length > 1));
  }
  return out;
}

export function composeStatusReply(input: ReplyInput): string {
  const { language, now } = input;
  const t = TEXT[language];
  const hours = input.liveHours ?? DEFAULT_LIVE_HOURS;
  const prefix = addressee(input.to);
  const body: string[] = [];
  if (input.asked.length > 0) {
    body.push(...sentences(input.asked, now, language));
  } else if (input.account) {
    const { total, disrupted } = input.account;
    if (disrupted.length === 0) body.push(t.allOpen(total));
    else {
      // Nothing about "the others" when every office is disrupted.
      const others = total - disrupted.length;
      const named = [...statusSentences(disrupted, now, language), ...(others > 0 ? [t.othersOpen(others)] : [])];
      const summary = [t.manyDisrupted(disrupted.length, total), ...(others > 0 ? [t.othersNormal] : [])];
      // Measured with the @handle: a reply that names every disrupted office, or the summary.
      body.push(...(fitsInPost([...prefix, t.thanks, ...named].join(' ')) ? named : summary));
    }
  }
  const tail: string[] = [];
  if (input.later) tail.push(t.later);
  if (!liveNow(hours, now)) tail.push(t.team(hoursWords(hours, language)));
  // Whole sentences only: drop the tail, then office sentences from the end, to fit.
  let parts = [...prefix, t.thanks, ...body, ...tail];
  while (!fitsInPost(parts.join(' ')) && parts.length > prefix.length + 2) parts = parts.slice(0, -1);
  return parts.join(' ');
}

const SIGNPOST = {
  en: {
    text: 'Thank you for your message. Please do not share personal or benefit details here: we cannot discuss claims in public.',
    live: 'Someone from our team will look at your message.',
    later: (hours: string) => `Our team reads messages ${hours}.`,
    // No domain name: X would count it as a link (23 characters, and a post with a link costs 13 times more).
    phone: 'For help with a claim, please call the helpline for your benefit.',
  },
  cy: {
    text: "Diolch am eich neges. Peidiwch â rhannu manylion personol neu fanylion budd-daliadau yma: ni allwn drafod hawliadau'n gyhoeddus.",
    live: "Bydd rhywun o'n tîm yn edrych ar eich neges.",
    // Short enough that the helpline sentence still fits with a 15-character @handle.
    later: (hours: string) => `Mae ein tîm yma ${hours}.`,
    phone: 'Am help gyda hawliad, ffoniwch y llinell gymorth ar gyfer eich budd-dal.',
  },
} as const;

/**
 * The polite signposting reply to a message that is not a status question (a benefit
 * query, a complaint): never about its content, which a person reads in the inbox.
 */
export function composeSignpostReply(input: {
  language: Language;
  now: Date;
  to?: string;
  liveHours?: LiveHours;
}): string {
  const t = SIGNPOST[input.language];
  const hours = input.liveHours ?? DEFAULT_LIVE_HOURS;
  const when = liveNow(hours, input.now) ? t.live : t.later(hoursWords(hours, input.language));
  const parts = [...addressee(input.to), t.text, when, t.phone];
  while (!fitsInPost(parts.join(' '))) parts.pop();
  return parts.join(' ');
}
