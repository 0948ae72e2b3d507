/**
 * How much of a mention is read, from X's own limits, so that the work on one mention is
 * bounded whatever arrives (a forged delivery, a premium post, a thousand-letter word).
 *
 * - A post is at most 280 weighted characters (twitter-text: an emoji weighs 2, any URL
 *   23), plus the @names X puts in front of a reply, which it does not count. Premium
 *   long posts go up to 25,000 characters, but the v2 `text` field the poller and the
 *   webhook read carries only their first 280 (the whole is in `note_tweet`, which is
 *   not asked for). So a real mention is far below 25,000 UTF-16 units.
 * - What is stored (redacted) is cut at 25,000: nothing X lets anyone post is cut, and
 *   redaction is linear, so 25,000 characters cost about a millisecond.
 * - What is classified is the first 2,000: a whole post even in the worst case (280
 *   weighted characters are at most 560 UTF-16 units, or about 2,000 if every character
 *   is a long emoji sequence; 50 @names of a reply take 800 more and are dropped by the
 *   tokeniser anyway), and the start of a premium post, where its question is.
 */

import { storableText } from '../text.js';

/** X's longest post (premium), in UTF-16 code units: the most of a mention that is stored. */
export const MENTION_TEXT_MAX = 25_000;
/** The most of a mention the classifier reads. */
export const CLASSIFIED_TEXT_MAX = 2_000;

/** The first `max` UTF-16 units of `text`, never half of a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * A mention's text as it may be worked on and stored: at most MENTION_TEXT_MAX units
 * (cut at a space near the end when there is one, marked with "…"), and without NUL or an
 * unpaired UTF-16 surrogate, which PostgreSQL cannot store in text (a NUL would fail the whole
 * page, or the whole delivery, again and again): each becomes U+FFFD.
 */
export function capMentionText(text: string): string {
  let out = text;
  if (out.length > MENTION_TEXT_MAX) {
    out = clipText(out, MENTION_TEXT_MAX - 1);
    const space = out.lastIndexOf(' ');
    if (space > MENTION_TEXT_MAX - 100) out = out.slice(0, space);
    out += '\u2026';
  }
  return storableText(out);
}
