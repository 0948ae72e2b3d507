/**
 * The hours of the day an account posts in, as people in the UK read the clock: a
 * closure at 03:00 waits for the morning rather than waking anyone. Pure: the caller
 * passes the clock.
 *
 * Times are Europe/London wall-clock times, so the window moves with BST. On the
 * spring-forward day a start or end inside the missing hour (01:00-01:59) means the
 * first instant the clock reads at least that time, 02:00 BST; on the fall-back day a
 * time in the repeated hour happens twice and the window follows the clock both times.
 */
import { londonParts, londonWallTimeToInstant } from './london-time.js';

/** A daily window in Europe/London wall-clock time, 'HH:MM' or 'HH:MM:SS'; start < end, never wrapping midnight. */
export interface PostingWindow {
  start: string;
  end: string;
}

export const DEFAULT_POSTING_WINDOW: PostingWindow = { start: '08:00', end: '23:00' };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Milliseconds since London midnight of a 'HH:MM' or 'HH:MM:SS' string. */
function parseTime(time: string, what: string): number {
  const m = TIME.exec(time);
  if (!m) throw new RangeError(`posting window ${what} must be 'HH:MM' or 'HH:MM:SS', got ${JSON.stringify(time)}`);
  return Number(m[1]) * HOUR + Number(m[2]) * MINUTE + Number(m[3] ?? 0) * 1000;
}

function parseWindow(window: PostingWindow): { start: number; end: number } {
  const start = parseTime(window.start, 'start');
  const end = parseTime(window.end, 'end');
  if (start >= end) throw new RangeError(`posting window start ${window.start} must be before its end ${window.end}`);
  return { start, end };
}

function assertInstant(at: Date): void {
  if (Number.isNaN(at.getTime())) throw new RangeError('invalid instant');
}

/** The London date of `at` and how far into that London day its clock reads, in ms. */
function londonClock(at: Date): { date: string; msOfDay: number } {
  const { date, offsetMinutes } = londonParts(at);
  // London's offset is whole minutes, so seconds and milliseconds carry over from UTC.
  const local = at.getTime() + offsetMinutes * MINUTE;
  return { date, msOfDay: ((local % DAY) + DAY) % DAY };
}

const hhmm = (msOfDay: number) =>
  `${String(Math.floor(msOfDay / HOUR)).padStart(2, '0')}:${String(Math.floor((msOfDay % HOUR) / MINUTE)).padStart(2, '0')}`;

const nextDate = (date: string) => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + 1)).toISOString().slice(0, 10);
};

/**
 * Every instant whose London clock reads `msOfDay` on `date`, earliest first: usually
 * one, two in the repeated hour of the fall-back day. For a time in the spring-forward
 * gap, which the clock never reads, the single instant the gap ends (the first instant
 * reading later than it).
 */
function instantsOf(date: string, msOfDay: number): Date[] {
  const time = hhmm(msOfDay);
  const seconds = msOfDay % MINUTE; // clocks change on the minute: seconds add as they are
  const first = londonWallTimeToInstant(date, time);
  const reads = (d: Date) => {
    const p = londonParts(d);
    return p.date === date && p.time === time;
  };
  if (reads(first)) {
    const again = new Date(first.getTime() + HOUR);
    const found = reads(again) ? [first, again] : [first];
    return found.map((d) => new Date(d.getTime() + seconds));
  }
  // In the gap londonWallTimeToInstant reads the time as GMT (01:30 -> 01:30Z, which is
  // 02:30 BST); an hour earlier the clock still read GMT. The jump lies in between:
  // find the first instant on the later offset, to the second.
  const before = londonParts(new Date(first.getTime() - HOUR)).offsetMinutes;
  let lo = first.getTime() - HOUR; // on the old offset
  let hi = first.getTime(); // on the new offset
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (londonParts(new Date(mid)).offsetMinutes === before) lo = mid;
    else hi = mid;
  }
  return [new Date(hi)];
}

/** True when `at` (an instant) falls in [start, end) of its London day. */
export function inPostingWindow(window: PostingWindow, at: Date): boolean {
  const { start, end } = parseWindow(window);
  assertInstant(at);
  const { msOfDay } = londonClock(at);
  return msOfDay >= start && msOfDay < end;
}

/**
 * `at` itself when the window is open; otherwise the next instant the window opens
 * (today's start if before it, else tomorrow's). A start in the spring-forward gap
 * opens at 02:00 BST, the first instant the clock reads at least the start.
 */
export function nextWindowOpening(window: PostingWindow, at: Date): Date {
  if (inPostingWindow(window, at)) return at;
  const { start } = parseWindow(window);
  const { date } = londonClock(at);
  // By instant, not by clock reading: on the fall-back day the clock can read before
  // the start after its first occurrence has passed; the second one is then next.
  const today = instantsOf(date, start).find((d) => d.getTime() > at.getTime());
  return today ?? instantsOf(nextDate(date), start)[0]!;
}

/** When the open window closes (end of today's window), or null if closed at `at`. */
export function windowClosesAt(window: PostingWindow, at: Date): Date | null {
  if (!inPostingWindow(window, at)) return null;
  const { end } = parseWindow(window);
  const { date } = londonClock(at);
  // Open means the clock reads before the end today, so an occurrence of the end lies
  // ahead (in the repeated hour, the one after `at`).
  const closes = instantsOf(date, end).find((d) => d.getTime() > at.getTime());
  if (!closes) throw new Error(`no end of the posting window after ${at.toISOString()}`);
  return closes;
}
