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
 * into several complete sentences; every office is named exactly once per language. The
 * sentences themselves, in English and Welsh, are status-sentences.ts.
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
import { officeLine, PHRASES } from './status-sentences.js';
import { plainText } from './text.js';

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
