/**
 * Personal data in a mention is redacted before it is stored or logged, in the forms
 * people write it on X: National Insurance numbers (spaced, slashed, glued to a word),
 * phone numbers (+44, 0044, 44, (0), dashes, glued to "tel"), email addresses (spaced,
 * "(at)", " at ", "dot"), dates of birth, account, claim and sort-code numbers (any
 * run of six digits or more), the inward half of a postcode and a house number.
 *
 * Matching runs on an ASCII view of the text in which compatibility characters are folded
 * (full-width, mathematical and circled digits and letters: NFKC), digits of every script
 * are ASCII digits, and invisible characters (format characters, combining marks) are
 * dropped, so that none of them hides a number; what is replaced is the original text.
 *
 * Every pattern is linear: each quantifier is bounded, or its character class cannot
 * overlap what follows it, and the patterns that could start anywhere in a long run only
 * start at its beginning (a look-behind). Digit runs are joined by hand, not by a pattern.
 * The work is a few passes over the text: 20,000 characters take one to three milliseconds
 * whatever they are (tests/mentions/adversarial.ts, timed by `pnpm bench:classifier`).
 */

export type RedactionKind = 'email' | 'ni-number' | 'phone' | 'date-of-birth' | 'number' | 'postcode' | 'house-number';

/** Every kind, in the order `redacted` lists them (also the precedence when two overlap). */
export const REDACTION_KINDS: readonly RedactionKind[] = [
  'email',
  'ni-number',
  'phone',
  'date-of-birth',
  'number',
  'postcode',
  'house-number',
];

const PLACEHOLDER: Readonly<Record<RedactionKind, string>> = {
  email: '[email]',
  'ni-number': '[NI number]',
  phone: '[phone]',
  'date-of-birth': '[date of birth]',
  number: '[number]',
  postcode: '[postcode]',
  'house-number': '[house number]',
};

export interface RedactOptions {
  /** Dates in years at least DOB_YEARS before this one are taken for dates of birth (default: now). */
  now?: Date;
}

/**
 * A full date this many years back or more is a date of birth: nobody asks a jobcentre
 * whether it is open on a day ten years ago, while a date of birth is what people give
 * with a claim. A nearer date (an appointment, a closure) stays, unless it follows
 * "DOB", "born" or "date of birth", as does a date without a year ("open on 1 Feb?").
 */
export const DOB_YEARS = 10;

// --- the matching view ---------------------------------------------------------------------

const INVISIBLE = 0x01;
const OTHER = 0x02;
/** A combining mark: invisible too, and it goes with the character before it. */
const MARK = 0x03;
const UTF16 = new TextDecoder('utf-16le');

/**
 * What each BMP character reads as: ASCII as it is; a space for any space; a hyphen for
 * any dash; the ASCII digit of a digit of any script; the NFKC form of a compatibility
 * character when that is one ASCII character (full-width "７", "＠", "．", superscript
 * and circled digits); the base of a Latin letter with a diacritic; "q" for any other
 * letter; INVISIBLE for format characters, MARK for combining marks; OTHER for the rest.
 * Built once, on the first text that is not ASCII (a few milliseconds).
 */
let foldTable: Uint16Array | null = null;

function fold(): Uint16Array {
  if (foldTable) return foldTable;
  const table = new Uint16Array(0x10000).fill(OTHER);
  for (let c = 0; c < 0x80; c++) table[c] = c;
  const units = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) units[c] = c >= 0xd800 && c <= 0xdfff ? 0 : c;
  const all = UTF16.decode(units);
  // Marks each character of a category with one native replace (no match objects), then reads them.
  const mark = (pattern: RegExp, value: (c: number) => number) => {
    const marked = all.replace(pattern, '\u0000');
    for (let c = 0x80; c < 0x10000; c++) if (marked.charCodeAt(c) === 0 && all.charCodeAt(c) !== 0) table[c] = value(c);
  };
  mark(/\p{L}/gu, () => 0x71);
  mark(/\p{Pd}/gu, () => 0x2d);
  mark(/\s/gu, () => 0x20);
  let zero = 0;
  mark(/\p{Nd}/gu, (c) => {
    if (table[c - 1]! < 0x30 || table[c - 1]! > 0x38 || c - zero > 9) zero = c;
    return 0x30 + (c - zero);
  });
  mark(/\p{Cf}/gu, () => INVISIBLE);
  mark(/[\p{Mn}\p{Me}]/gu, () => MARK);
  const ascii = (c: number, form: 'NFKC' | 'NFKD') => {
    const n = String.fromCharCode(c).normalize(form);
    const first = n.charCodeAt(0);
    return form === 'NFKC' ? (n.length === 1 && first < 0x80 ? first : -1) : /^[A-Za-z]/.test(n) ? first : -1;
  };
  for (const [from, to] of [
    [0xa0, 0xbf],
    [0x2000, 0x24ff],
    [0x3000, 0x303f],
    [0xfe30, 0xfe6f],
    [0xff00, 0xffef],
  ] as const) {
    for (let c = from; c <= to; c++) {
      const a = ascii(c, 'NFKC');
      if (a > 0) table[c] = a;
    }
  }
  for (const [from, to] of [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ] as const) {
    for (let c = from; c <= to; c++) {
      const a = table[c] === 0x71 ? ascii(c, 'NFKD') : -1;
      if (a > 0) table[c] = a;
    }
  }
  // Quotes read as the apostrophe, currencies as "$".
  table[0x2018] = table[0x2019] = 0x27;
  table[0xa3] = table[0x20ac] = 0x24;
  foldTable = table;
  return table;
}

interface View {
  /** What the patterns read: ASCII and OTHER (INVISIBLE and MARK are dropped). */
  text: string;
  /** For each unit of `text`, where its character starts in the original; null when it is the original. */
  from: Int32Array | null;
}

/** Any character outside ASCII. */
const NOT_ASCII = /[\u0080-\uffff]/;

/** Folds the text (as `fold` says) and drops what is invisible, remembering where each character came from. */
function matchingView(text: string): View {
  if (!NOT_ASCII.test(text)) return { text, from: null };
  const table = fold();
  const n = text.length;
  const units = new Uint16Array(n);
  let invisible = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) units[i] = c;
    else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < n &&
      text.charCodeAt(i + 1) >= 0xdc00 &&
      text.charCodeAt(i + 1) <= 0xdfff
    ) {
      const cp = (c - 0xd800) * 0x400 + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      // Mathematical digits (𝟎 … 𝟿, five styles of ten) are digits; other letters of the plane are letters.
      if (cp >= 0x1d7ce && cp <= 0x1d7ff) {
        units[i] = 0x30 + ((cp - 0x1d7ce) % 10);
        units[i + 1] = MARK;
        invisible = true;
      } else {
        units[i] = cp >= 0x1d400 && cp <= 0x1d7cb ? 0x71 : cp >= 0xe0000 && cp <= 0xe007f ? INVISIBLE : OTHER;
        units[i + 1] = units[i] === INVISIBLE ? INVISIBLE : OTHER;
        if (units[i] === INVISIBLE) invisible = true;
      }
      i++;
    } else {
      units[i] = table[c]!;
      if (units[i] === INVISIBLE || units[i] === MARK) invisible = true;
    }
  }
  if (!invisible) return { text: UTF16.decode(units), from: null };
  const from = new Int32Array(n);
  let length = 0;
  for (let i = 0; i < n; i++) {
    if (units[i] === INVISIBLE || units[i] === MARK) continue;
    units[length] = units[i]!;
    from[length++] = i;
  }
  return { text: UTF16.decode(units.subarray(0, length)), from: from.subarray(0, length) };
}

/**
 * The matches of a global pattern, with the pattern itself (matchAll copies the pattern on
 * every call, which costs more than the match on a short mention).
 */
function matches(text: string, pattern: RegExp): RegExpExecArray[] {
  if (!pattern.global) throw new Error(`not a global pattern: ${pattern.source}`);
  const found: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    found.push(m);
    if (m[0].length === 0) pattern.lastIndex++;
  }
  pattern.lastIndex = 0;
  return found;
}

// --- spans ---------------------------------------------------------------------------------

/**
 * What the passes found, character by character of the view (so that adding a span or
 * checking one costs its length, and putting the text together one pass): the first kind of
 * REDACTION_KINDS over each character, whether a span goes on from the character before
 * (overlapping spans become one placeholder; spans that only touch stay two), and what is
 * kept as it is (a date or a time that is not personal, whose digits no later pass takes).
 */
class Spans {
  /** 0: nothing; else 1 + the index of the kind in REDACTION_KINDS (made on the first span: most mentions have none). */
  rank = EMPTY;
  joined = EMPTY;
  private kept = EMPTY;
  /** Bit k: kind k of REDACTION_KINDS was found. */
  kinds = 0;
  constructor(private readonly length: number) {}
  add(start: number, end: number, kind: RedactionKind | null): void {
    if (this.rank === EMPTY) {
      this.rank = new Uint8Array(this.length);
      this.joined = new Uint8Array(this.length);
      this.kept = new Uint8Array(this.length);
    }
    if (kind === null) {
      this.kept.fill(1, start, end);
      return;
    }
    const rank = REDACTION_KINDS.indexOf(kind) + 1;
    this.kinds |= 1 << (rank - 1);
    for (let i = start; i < end; i++) {
      const r = this.rank[i]!;
      if (r === 0 || r > rank) this.rank[i] = rank;
      if (i > start) this.joined[i] = 1;
    }
  }
  free(start: number, end: number): boolean {
    if (this.rank === EMPTY) return true;
    for (let i = start; i < end; i++) if (this.rank[i] !== 0 || this.kept[i] !== 0) return false;
    return true;
  }
}
const EMPTY = new Uint8Array(0);

// --- email addresses -------------------------------------------------------------------------

// As written: local@domain.tld. The local part may have dots; a start only where a run begins.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g;
// Disguised: spaces around "@" and ".", "(at)", "[dot]", " at ", " dot ". Then the address
// must end in a common top-level domain, or be a mail provider's name ("jane at gmail").
const AT = String.raw`(?:\s{0,3}@\s{0,3}|\s{0,3}[(\[{<]\s{0,2}at\s{0,2}[)\]}>]\s{0,3}|\s{1,3}at\s{1,3})`;
const DOT = String.raw`(?:\.|\s{1,3}\.\s{1,3}|\s{0,3}[(\[{<]\s{0,2}dot\s{0,2}[)\]}>]\s{0,3}|\s{1,3}dot\s{1,3})`;
const ATOM = String.raw`[A-Za-z0-9_%+\-]{1,64}`;
const TLDS =
  'com|org|net|uk|co|gov|ac|nhs|sch|info|biz|io|me|ie|eu|de|fr|es|it|nl|us|ca|au|nz|in|scot|wales|cymru|london|email|online|xyz|app|dev|live|ltd|plc';
const PROVIDERS =
  'gmail|googlemail|hotmail|outlook|yahoo|ymail|icloud|aol|btinternet|virginmedia|talktalk|protonmail|msn';
const DISGUISED_EMAIL = new RegExp(
  String.raw`(?<![A-Za-z0-9_%+\-.])${ATOM}(?:${DOT}${ATOM}){0,3}${AT}(?:${ATOM}(?:${DOT}${ATOM}){0,4}${DOT}(?:${TLDS})|(?:${PROVIDERS}))(?![A-Za-z0-9])`,
  'gi',
);

/** Every address has an "@" or an "at": without one, neither pattern is run. */
const MAY_HAVE_EMAIL = /@|at/i;

function emails(view: string, spans: Spans): void {
  if (!MAY_HAVE_EMAIL.test(view)) return;
  for (const pattern of view.includes('@') ? [EMAIL, DISGUISED_EMAIL] : [DISGUISED_EMAIL]) {
    for (const m of matches(view, pattern)) spans.add(m.index, m.index + m[0].length, 'email');
  }
}

// --- dates and times -----------------------------------------------------------------------

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

function dates(view: string, spans: Spans, now: number): void {
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

// --- numbers: NI numbers, phone numbers, account and claim numbers ---------------------------

/** Two-letter words that, written in small letters before six digits, are not an NI number's letters ("on 12/03/26"). */
const WORDS = new Set('am an as at be by do go he hi if in is it me my no of ok on or re so to up us we'.split(' '));

/**
 * Where the two letters of an NI number before its digits at `start` begin (at most two
 * joiners between), or -1. Glued to a word ("myNIisAB123456C") they must be capitals, after
 * a small letter or with a suffix letter after the digits ("tel123456" is a number).
 */
function niLettersBefore(view: string, start: number, suffix: boolean): number {
  let p = start;
  for (let n = 0; n < 2 && p > 0 && isJoiner(view[p - 1]!) && view[p - 1] !== '('; n++) p--;
  const a = view[p - 2];
  const c = view[p - 1];
  if (p < 2 || !isLetter(a) || !isLetter(c)) return -1;
  const before = view[p - 3];
  if (!isLetter(before)) return p - 2;
  return isUpper(a) && isUpper(c) && (suffix || !isUpper(before)) ? p - 2 : -1;
}

/** What may stand between the digit groups of one number: spaces, dots, dashes, slashes, brackets. */
const isJoiner = (c: string): boolean =>
  c === ' ' || c === '.' || c === '-' || c === '/' || c === '(' || c === ')' || (c >= '\t' && c <= '\r');
const MAX_JOINER = 4;
const isLetter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);
const isUpper = (c: string | undefined): boolean => c !== undefined && c >= 'A' && c <= 'Z';

/** Is it a phone number (UK: 10 or 11 digits from 0; +44, 0044 or 44 with an optional (0); or international from + or 00)? */
function isPhone(digits: string, plus: boolean): boolean {
  let national = digits;
  if (plus || digits.startsWith('00')) {
    const international = plus ? digits : digits.slice(2);
    if (!international.startsWith('44')) return international.length >= 8 && international.length <= 15;
    national = international.slice(2);
  } else if (digits.startsWith('44') && digits.length >= 11 && digits.length <= 13) national = digits.slice(2);
  else return digits.startsWith('0') && (digits.length === 10 || digits.length === 11);
  if (national.startsWith('0')) national = national.slice(1);
  return national.length === 9 || national.length === 10;
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

function numbers(view: string, spans: Spans): void {
  // The groups of digits (not those of an email address or a date already found), as [start, end) pairs.
  const bounds = new Int32Array(view.length + 1);
  let groups = 0;
  for (let k = 0; k < view.length;) {
    if (!isDigit(view.charCodeAt(k))) {
      k++;
      continue;
    }
    const from = k;
    while (k < view.length && isDigit(view.charCodeAt(k))) k++;
    if (spans.free(from, k)) {
      bounds[2 * groups] = from;
      bounds[2 * groups + 1] = k;
      groups++;
    }
  }
  const found: [number, number, RedactionKind][] = [];
  let i = 0;
  while (i < groups) {
    // One number: groups with at most MAX_JOINER joiners between them.
    let j = i;
    let count = bounds[2 * i + 1]! - bounds[2 * i]!;
    while (j + 1 < groups) {
      const gapStart = bounds[2 * j + 1]!;
      const gapEnd = bounds[2 * (j + 1)]!;
      if (gapEnd - gapStart > MAX_JOINER) break;
      let joins = true;
      for (let k = gapStart; k < gapEnd; k++) if (!isJoiner(view[k]!)) joins = false;
      if (!joins) break;
      j++;
      count += bounds[2 * j + 1]! - bounds[2 * j]!;
    }
    const first = { start: bounds[2 * i]!, end: bounds[2 * i + 1]! };
    const last = { start: bounds[2 * j]!, end: bounds[2 * j + 1]! };
    i = j + 1;
    if (count < 6) continue;
    let start = first.start;
    let end = last.end;
    if (count === 6) {
      // An NI number: two letters (perhaps glued to a word), six digits, perhaps a letter A-D.
      let suffixEnd = end;
      if (/^[A-Da-d]$/.test(view[end] ?? '') && spans.free(end, end + 1)) suffixEnd = end + 1;
      else {
        let q = end;
        for (let n = 0; n < 2 && q < view.length && isJoiner(view[q]!) && view[q] !== ')'; n++) q++;
        // After a space, only a letter standing alone ("AB 12 34 56 C", not "… 56 a@b.com").
        if (
          q > end &&
          /^[A-Da-d]$/.test(view[q] ?? '') &&
          !/^[A-Za-z0-9@_%+-]$/.test(view[q + 1] ?? '') &&
          spans.free(q, q + 1)
        )
          suffixEnd = q + 1;
      }
      const letters = niLettersBefore(view, start, suffixEnd > end);
      if (letters >= 0) {
        found.push([letters, suffixEnd, 'ni-number']);
        continue;
      }
    }
    // A leading + or ( belongs to the number, and so does the ) that closes it.
    let plus = false;
    for (let n = 0; n < 2 && start > 0 && (view[start - 1] === '+' || view[start - 1] === '('); n++) {
      if (view[start - 1] === '+') plus = true;
      start--;
    }
    const opened = view.slice(start, end).split('(').length - view.slice(start, end).split(')').length;
    if (opened > 0 && view[end] === ')') end++;
    let digits = '';
    if (count <= 15)
      for (let k = first.start; k < last.end; k++) if (view[k]! >= '0' && view[k]! <= '9') digits += view[k];
    found.push([start, end, count <= 15 && isPhone(digits, plus) ? 'phone' : 'number']);
  }
  for (const [start, end, kind] of found) spans.add(start, end, kind);
}

// --- addresses: postcodes and house numbers --------------------------------------------------

/** A full postcode: the outward code stays (it finds the office), the inward code goes (it finds the house). */
const POSTCODE = /(?<![A-Za-z0-9])[A-Z]{1,2}\d[A-Z\d]?\s{0,2}(\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])/dgi;
const STREET =
  '(?:street|st|road|rd|lane|ln|avenue|ave|close|drive|dr|way|crescent|cres|terrace|tce|place|court|ct|gardens|gdns|grove|hill|park|square|sq|walk|row|mews|rise|view|green|parade|vale|gate|villas|cottages|estate|croft|fold|wynd|brae|yard|lea|meadows?|fields?)';
const NOT_A_NAME =
  '(?:the|a|an|on|in|at|to|of|and|or|my|your|for|is|are|was|be|by|from|with|this|that|it|i|you|we|they|me|kids|children|people|days|weeks|hours|minutes|times|years)';
const HOUSE = String.raw`\d{1,4}[a-z]?(?:\s{0,2}[-\/]\s{0,2}\d{1,4}[a-z]?)?`;
/** "12 High Street", "3a Acacia Ave": the number before a street. */
const HOUSE_ON_STREET = new RegExp(
  String.raw`(?<![A-Za-z0-9.:\/\-$])${HOUSE}(?=,?\s{1,3}(?:(?!${NOT_A_NAME}\s)[A-Za-z'.\-]{1,30}\s{1,3}){0,3}${STREET}(?![A-Za-z0-9]))`,
  'gi',
);
/** "12, CA1 1AA", "12 Foo Rise Carlisle CA1 1AA": a number a few words before a full postcode. */
const HOUSE_BEFORE_POSTCODE = new RegExp(
  String.raw`(?<![A-Za-z0-9.:\/\-$])${HOUSE}(?=,?\s{1,3}(?:[A-Za-z'.\-]{1,30},?\s{1,3}){0,4}[A-Z]{1,2}\d[A-Z\d]?\s{0,2}\d[A-Z]{2}(?![A-Za-z0-9]))`,
  'gi',
);
/** "flat 3", "apartment 12b", "house number 7" */
const FLAT =
  /(?<![A-Za-z0-9])(?:flat|apartment|apt|house\s{1,2}(?:number|no\.?))\s{0,2}(?:no\.?\s{0,2})?(\d{1,4}[a-z]?)(?![A-Za-z0-9])/dgi;

function addresses(view: string, spans: Spans): void {
  for (const m of matches(view, POSTCODE)) {
    const [start, end] = m.indices![1]!;
    if (spans.free(start, end)) spans.add(start, end, 'postcode');
  }
  for (const pattern of [HOUSE_ON_STREET, HOUSE_BEFORE_POSTCODE, FLAT]) {
    for (const m of matches(view, pattern)) {
      const [start, end] = m.indices?.[1] ?? [m.index, m.index + m[0].length];
      if (spans.free(start, end)) spans.add(start, end, 'house-number');
    }
  }
}

// --- putting it together ---------------------------------------------------------------------

const HAS_DIGIT = /\d/;

/** The text with personal data replaced by placeholders, and the kinds found (never the values). */
export function redactWithKinds(
  text: string,
  options: RedactOptions = {},
): { text: string; redacted: RedactionKind[] } {
  const view = matchingView(text);
  const spans = new Spans(view.text.length);
  emails(view.text, spans);
  // Everything else has digits.
  if (HAS_DIGIT.test(view.text)) {
    dates(view.text, spans, (options.now ?? new Date()).getUTCFullYear());
    numbers(view.text, spans);
    addresses(view.text, spans);
  }
  if (spans.kinds === 0) return { text, redacted: [] };
  const origin = (i: number) => (view.from ? view.from[i]! : i);
  // Up to the next character the patterns read, less the format characters before it: a
  // combining mark on the last character goes with it, a bidi control after it stays.
  const originEnd = (i: number) => {
    if (!view.from) return i;
    let end = i < view.text.length ? view.from[i]! : text.length;
    while (end > view.from[i - 1]! + 1 && fold()[text.charCodeAt(end - 1)] === INVISIBLE) end--;
    return end;
  };
  const { rank, joined } = spans;
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < rank.length;) {
    if (rank[i] === 0) {
      i++;
      continue;
    }
    // One placeholder: characters of spans that overlap, named by the first kind among them.
    let best = rank[i]!;
    let end = i + 1;
    while (end < rank.length && rank[end] !== 0 && joined[end] === 1) best = Math.min(best, rank[end++]!);
    out.push(text.slice(at, origin(i)), PLACEHOLDER[REDACTION_KINDS[best - 1]!]);
    at = originEnd(end);
    i = end;
  }
  out.push(text.slice(at));
  return { text: out.join(''), redacted: REDACTION_KINDS.filter((_, k) => (spans.kinds & (1 << k)) !== 0) };
}

/** The text with personal data replaced by placeholders. */
export function redactPersonalData(text: string, options: RedactOptions = {}): string {
  return redactWithKinds(text, options).text;
}
