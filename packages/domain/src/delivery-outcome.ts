/**
 * What an attempt at a post that X did not take means for the post, its account and every
 * account: tried again later, given up on, or the account paused. One pure function, so that
 * the rules (X's rate limits, the app's daily cap, rejected credentials, the 24 hours after
 * which a post is out of date) live once, with their table test, and the repository that
 * records them only writes what it is told.
 */

/** An attempt that did not deliver the post, as the deliverer understood X's answer. */
export type UndeliveredResult =
  /**
   * rateLimited: X said 429 for the account; appLimited: the app's daily cap is spent (every account waits);
   * refused: X answered and posted nothing (a 403 not yet understood), so the post is not maybe on X.
   */
  | { kind: 'retry'; notBefore: Date; reason: string; rateLimited: boolean; appLimited?: boolean; refused?: boolean }
  /** X refused the account's credentials: the account is paused and the post waits for it. */
  | { kind: 'credentials-rejected'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * What recording an undelivered attempt writes. The post: still queued, tried again from
 * `notBefore`, or failed for good.
 */
export type UndeliveredRecord = ({ state: 'queued'; notBefore: Date } | { state: 'failed' }) & {
  /** The attempt may have posted it (X answered nothing definite): the post counts as maybe on X from now on. */
  mayHavePosted: boolean;
  /** The post's and the account's last error. */
  reason: string;
  /** X's rate limit for this account: none of its posts before then. */
  accountBlockedUntil: Date | null;
  /** The app's daily cap: no account's post before then (kept app-wide, not on each post). */
  appBlockedUntil: Date | null;
  /** X rejected the account's credentials: the account is paused, with `reason`. */
  pauseAccount: boolean;
};

/** A post retried for this long is given up on (unless X's rate limit is what holds it): what it says is long out of date. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

/**
 * What an undelivered attempt writes, given when the post was first tried (null: not known)
 * and the database's clock now. A failure counts against the account's health whatever it is.
 */
export function undeliveredRecord(
  result: UndeliveredResult,
  firstAttemptAt: Date | null,
  now: Date,
): UndeliveredRecord {
  const none = { accountBlockedUntil: null, appBlockedUntil: null, pauseAccount: false };
  switch (result.kind) {
    case 'retry': {
      // Anything but a definite refusal by X may have posted it; a rate limit posted nothing.
      const mayHavePosted = !result.rateLimited && !result.refused;
      if (
        !result.rateLimited &&
        firstAttemptAt !== null &&
        now.getTime() - firstAttemptAt.getTime() > GIVE_UP_AFTER_MS
      ) {
        const reason = `gave up after 24 hours of retries: ${result.reason}`;
        return { ...none, state: 'failed', mayHavePosted, reason };
      }
      return {
        state: 'queued',
        // An app-wide block is kept on the app's control (one place to see and lift it), not on each post.
        notBefore: result.appLimited ? now : result.notBefore,
        mayHavePosted,
        reason: result.reason,
        accountBlockedUntil: result.rateLimited && !result.appLimited ? result.notBefore : null,
        appBlockedUntil: result.appLimited ? result.notBefore : null,
        pauseAccount: false,
      };
    }
    case 'credentials-rejected':
      // The post waits, ready as soon as the account is resumed with credentials X accepts.
      return {
        ...none,
        state: 'queued',
        notBefore: now,
        mayHavePosted: false,
        reason: result.reason,
        pauseAccount: true,
      };
    case 'failed':
      // X refused it for good: it posted nothing.
      return { ...none, state: 'failed', mayHavePosted: false, reason: result.reason };
  }
}
