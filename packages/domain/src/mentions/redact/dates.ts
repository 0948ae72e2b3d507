// Dates of birth (and the dates and times that are kept).
import { type Spans } from './spans.js';
import { niLettersBefore, WORDS } from './numbers.js';
import { matches } from './view.js';

/**
 * A full date this many years back or more is a date of birth: nobody asks a jobcentre
 * whether it is open on a day ten years ago, while a date of birth is what people give
 * with a claim. A nearer date (an appointment, a closure) stays, unless it follows
 * "DOB", "born" or "date of birth", as does a date without a year ("open on 1 Feb?").
 */
export const DOB_YEARS = 10;

const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// Not inside a longer number or word, nor right after one and a separator.
const NOT_AFTER = String.raw`(?<![A-Za-z0-9][.\/\-]?)`;
const NOT_BEFORE = String.raw`(?![.\/\-]?[A-Za-z0-9])`;
/** 01/02/1980, 1.2.80, 1-2-1980, 1/2 (the same separator twice). */
const NUMERIC_DATE = new RegExp(
  String.raw`${NOT_AFTER}(\d{1,2})([.\/\-])(\d{1,2})(?:\2(\d{4}|\d{2}))?${NOT_BEFORE}`,
  'g',
);
/** 1980-02-01 */
const ISO_DATE = new RegExp(String.raw`${NOT_AFTER}(\d{4})-(\d{1,2})-(\d{1,2})${NOT_BEFORE}`, 'g');
/** 1 Feb 1980, 1st of February, 1 feb '80 */
const DAY_MONTH = new RegExp(
  String.raw`(?<![A-Za-z0-9])(\d{1,2})(?:st|nd|rd|th)?\s{0,2}(?:of\s{1,2})?${MONTH}\.?(?:,?\s{0,2}(\d{4}|'\d{2}))?(?![A-Za-z0-9])`,
  'gi',
);
/** February 1, 1980; Feb 1st */
const MONTH_DAY = new RegExp(
  String.raw`(?<![A-Za-z0-9])${MONTH}\.?\s{0,2}(\d{1,2})(?:st|nd|rd|th)?(?:,?\s{1,2}(\d{4}))?(?![A-Za-z0-9])`,
  'gi',
);
/** A year alone: a date of birth only after "born", "DOB". */
const YEAR = new RegExp(String.raw`${NOT_AFTER}((?:19|20)\d{2})${NOT_BEFORE}`, 'g');
/** What comes just before a date of birth: "DOB:", "born on", "date of birth is", "d.o.b"; it ends where the date starts. */
const DOB_CONTEXT =
  /(?<![A-Za-z])(?:dob|d\.\s?o\.\s?b\.?|date\s{1,3}of\s{1,3}birth|birth\s{0,2}date|birthday|born)[\s:;,.=-]{0,6}(?:(?:is|was|on|in|the|of|my|me|at|date|year)[\s:;,.=-]{1,4}){0,3}/gi;
/** What comes before an account, sort-code, claim or phone number: what follows is not a date. */
const NUMBER_CONTEXT =
  /(?<![A-Za-z])(?:sort\s{0,2}code|account|acc|a\/c|claim|ref|reference|number|no|num|tel|phone|mob|mobile)[\s:;,.#=-]{0,6}(?:(?:is|number|no|num|ref)[\s:;,.#=-]{1,4}){0,2}/gi;
/** 9.30-4.30, 9:30 to 16:30: times, kept (their digits would otherwise make a number). */
const TIME = String.raw`(?:[01]?\d|2[0-3])[.:][0-5]\d(?:\s{0,2}[ap]m)?`;
const TIME_RANGE = new RegExp(
  String.raw`(?<![A-Za-z0-9][.:\/\-]?)${TIME}\s{0,2}(?:-|to|till|until)\s{0,2}${TIME}(?![.:\/\-]?[A-Za-z0-9])`,
  'gi',
);

/** A two-digit year is in this century unless that is in the future. */
function fullYear(year: string, now: number): number {
  if (year.length === 4 && year[0] !== "'") return Number(year);
  const yy = Number(year.slice(-2));
  return yy <= (now % 100) + 1 ? 2000 + yy : 1900 + yy;
}

export function dates(view: string, spans: Spans, now: number): void {
  // Where a "DOB", "born on" … ends: a date starting there is a date of birth. Where "sort
  // code", "account" … ends, what looks like a date (12-03-24) is that number, not a date.
  const after = new Set<number>();
  for (const m of matches(view, DOB_CONTEXT)) after.add(m.index + m[0].length);
  const number = new Set<number>();
  for (const m of matches(view, NUMBER_CONTEXT)) number.add(m.index + m[0].length);
  const found = (start: number, end: number, day: number, month: number, year: string | undefined) => {
    if (!(day >= 1 && day <= 31 && month >= 1 && month <= 12)) return;
    const context = after.has(start);
    if (year === undefined) {
      if (context) spans.add(start, end, 'date-of-birth');
      return;
    }
    if (context || fullYear(year, now) <= now - DOB_YEARS) spans.add(start, end, 'date-of-birth');
    else if (!number.has(start)) spans.add(start, end, null);
  };
  const month = (name: string) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
  for (const m of matches(view, NUMERIC_DATE)) {
    // Six digits in pairs are a sort code when written with dashes (12-03-24), and an NI number
    // after two letters that are not a word (AB 12/03/56, not "on 12/03/26"); the numbers take them.
    if (!after.has(m.index) && m[1]!.length === 2 && m[3]!.length === 2 && m[4]?.length === 2) {
      const letters = niLettersBefore(view, m.index, false);
      const pair = letters < 0 ? '' : view.slice(letters, letters + 2);
      if (m[2] === '-' || (letters >= 0 && (/^[A-Z]{2}$/.test(pair) || !WORDS.has(pair.toLowerCase())))) continue;
    }
    found(m.index, m.index + m[0].length, Number(m[1]), Number(m[3]), m[4]);
  }
  for (const m of matches(view, ISO_DATE)) found(m.index, m.index + m[0].length, Number(m[3]), Number(m[2]), m[1]);
  for (const m of matches(view, DAY_MONTH)) found(m.index, m.index + m[0].length, Number(m[1]), month(m[2]!), m[3]);
  for (const m of matches(view, MONTH_DAY)) found(m.index, m.index + m[0].length, Number(m[2]), month(m[1]!), m[3]);
  if (after.size > 0) {
    for (const m of matches(view, YEAR)) {
      const end = m.index + m[0].length;
      if (after.has(m.index) && spans.free(m.index, end)) spans.add(m.index, end, 'date-of-birth');
    }
  }
  for (const m of matches(view, TIME_RANGE))
    if (spans.free(m.index, m.index + m[0].length)) spans.add(m.index, m.index + m[0].length, null);
}
