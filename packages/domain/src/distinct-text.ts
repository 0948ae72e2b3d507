/**
 * X refuses a post whose text the account already posted (a 403, "duplicate content"). The
 * one rule, for the fan-out's status posts and the replies to mentions alike: a text the
 * account already has (queued or delivered) is told apart by the time it is composed, to
 * the second; if that is taken too, by a count after it. Attempt 0 is the text as composed,
 * attempt 1 adds the time to the second, attempt n (n >= 2) adds the time and " #n".
 *
 * Where the mark goes is the form's: a status post's stamp line ("Update 26/11 08:05:07"),
 * a reply's end ("... (08:05:07)"); see stampWords and markReply.
 */
import { londonParts } from './london-time.js';
import { fitsInPost } from './post.js';

/** Marked attempts tried before the last is taken whatever it is (X then refuses it, and says so). */
export const MAX_DISTINCT_ATTEMPTS = 50;

/**
 * The mark of attempt `attempt` at `at`: null for 0 (the text as composed), else the London
 * time to the second ('08:05:07'), with ' #n' from the second attempt on ('08:05:07 #2').
 */
export function distinctMark(at: Date, attempt: number): string | null {
  if (attempt <= 0) return null;
  // London is a whole number of hours from UTC, so its seconds are UTC's.
  const seconds = `${londonParts(at).time}:${String(at.getUTCSeconds()).padStart(2, '0')}`;
  return attempt === 1 ? seconds : `${seconds} #${attempt}`;
}

/**
 * The first of `variant(0)`, `variant(1)`, ... that `taken` says the account does not have;
 * after MAX_DISTINCT_ATTEMPTS marked attempts, the last one tried.
 */
export async function firstDistinct<T>(
  variant: (attempt: number) => T,
  taken: (candidate: T) => boolean | Promise<boolean>,
  maxAttempts = MAX_DISTINCT_ATTEMPTS,
): Promise<T> {
  let candidate = variant(0);
  for (let attempt = 1; attempt <= maxAttempts && (await taken(candidate)); attempt++) candidate = variant(attempt);
  return candidate;
}

/**
 * A reply with the mark of `attempt` at its end, in brackets: whole sentences are dropped
 * from the end until the mark fits too. Attempt 0: the reply as it is.
 */
export function markReply(text: string, at: Date, attempt: number): string {
  const mark = distinctMark(at, attempt);
  if (mark === null) return text;
  const suffix = ` (${mark})`;
  let base = text;
  while (!fitsInPost(base + suffix) && base.lastIndexOf('. ') > 0) base = base.slice(0, base.lastIndexOf('. ') + 1);
  return base + suffix;
}
