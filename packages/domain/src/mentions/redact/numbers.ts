// Numbers: NI numbers, phone numbers, account and claim numbers.
import { type RedactionKind } from './kinds.js';
import { type Spans } from './spans.js';

/** Two-letter words that, written in small letters before six digits, are not an NI number's letters ("on 12/03/26"). */
export const WORDS = new Set(
  'am an as at be by do go he hi if in is it me my no of ok on or re so to up us we'.split(' '),
);

/**
 * Where the two letters of an NI number before its digits at `start` begin (at most two
 * joiners between), or -1. Glued to a word ("myNIisAB123456C") they must be capitals, after
 * a small letter or with a suffix letter after the digits ("tel123456" is a number).
 */
export function niLettersBefore(view: string, start: number, suffix: boolean): number {
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

export function numbers(view: string, spans: Spans): void {
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
