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
import { addresses } from './redact/addresses.js';
import { dates, DOB_YEARS } from './redact/dates.js';
import { emails } from './redact/emails.js';
import { PLACEHOLDER, REDACTION_KINDS, type RedactionKind } from './redact/kinds.js';
import { numbers } from './redact/numbers.js';
import { Spans } from './redact/spans.js';
import { fold, INVISIBLE, matchingView } from './redact/view.js';

export { DOB_YEARS, REDACTION_KINDS, type RedactionKind };

export interface RedactOptions {
  /** Dates in years at least DOB_YEARS before this one are taken for dates of birth (default: now). */
  now?: Date;
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
