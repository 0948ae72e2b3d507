import t from 'tap';
import { GIVE_UP_AFTER_MS, undeliveredRecord, type UndeliveredRecord, type UndeliveredResult } from '../src/index.js';

const now = new Date('2026-11-26T10:00:00Z');
const later = new Date('2026-11-26T10:05:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const healthOnly = { accountBlockedUntil: null, appBlockedUntil: null, pauseAccount: false };
/** X's 429 for the account: it waits until X says, and X posted nothing. */
const accountRateLimited: UndeliveredRecord = {
  ...healthOnly,
  state: 'queued',
  notBefore: later,
  mayHavePosted: false,
  reason: 'X 429',
  accountBlockedUntil: later,
};

void t.test('what an undelivered attempt writes, for each answer and age of the post', async (t) => {
  const cases: { name: string; result: UndeliveredResult; first: Date | null; record: UndeliveredRecord }[] = [
    {
      name: 'a retry (no answer, a 5xx): tried again later, and it may be on X',
      result: { kind: 'retry', notBefore: later, reason: 'X 503', rateLimited: false },
      first: ago(60_000),
      record: { ...healthOnly, state: 'queued', notBefore: later, mayHavePosted: true, reason: 'X 503' },
    },
    {
      name: 'a retry of a post never tried before (no first attempt known): tried again',
      result: { kind: 'retry', notBefore: later, reason: 'X 503', rateLimited: false },
      first: null,
      record: { ...healthOnly, state: 'queued', notBefore: later, mayHavePosted: true, reason: 'X 503' },
    },
    {
      name: 'a refused 403 X could not explain: tried again later, and X posted nothing',
      result: { kind: 'retry', notBefore: later, reason: 'X 403', rateLimited: false, refused: true },
      first: ago(60_000),
      record: { ...healthOnly, state: 'queued', notBefore: later, mayHavePosted: false, reason: 'X 403' },
    },
    {
      name: "the account's rate limit: the account waits until X says, and X posted nothing",
      result: { kind: 'retry', notBefore: later, reason: 'X 429', rateLimited: true, appLimited: false },
      first: ago(60_000),
      record: accountRateLimited,
    },
    {
      name: "the app's daily cap: every account waits (on the app's control), the post is ready now",
      result: { kind: 'retry', notBefore: later, reason: 'app cap', rateLimited: true, appLimited: true },
      first: ago(60_000),
      record: {
        ...healthOnly,
        state: 'queued',
        notBefore: now,
        mayHavePosted: false,
        reason: 'app cap',
        appBlockedUntil: later,
      },
    },
    {
      name: 'a retry of a post first tried exactly 24 hours ago: tried again',
      result: { kind: 'retry', notBefore: later, reason: 'X 503', rateLimited: false },
      first: ago(GIVE_UP_AFTER_MS),
      record: { ...healthOnly, state: 'queued', notBefore: later, mayHavePosted: true, reason: 'X 503' },
    },
    {
      name: 'a retry of a post first tried over 24 hours ago: given up on, and it may be on X',
      result: { kind: 'retry', notBefore: later, reason: 'X 503', rateLimited: false },
      first: ago(GIVE_UP_AFTER_MS + 1),
      record: {
        ...healthOnly,
        state: 'failed',
        mayHavePosted: true,
        reason: 'gave up after 24 hours of retries: X 503',
      },
    },
    {
      name: 'a refused 403 over 24 hours on: given up on, and X posted nothing',
      result: { kind: 'retry', notBefore: later, reason: 'X 403', rateLimited: false, refused: true },
      first: ago(GIVE_UP_AFTER_MS + 1),
      record: {
        ...healthOnly,
        state: 'failed',
        mayHavePosted: false,
        reason: 'gave up after 24 hours of retries: X 403',
      },
    },
    {
      name: "X's rate limit is never given up on, however old the post",
      result: { kind: 'retry', notBefore: later, reason: 'X 429', rateLimited: true },
      first: ago(3 * GIVE_UP_AFTER_MS),
      record: accountRateLimited,
    },
    {
      name: 'credentials rejected: the account paused, the post waits for it, ready now',
      result: { kind: 'credentials-rejected', reason: 'X 401' },
      first: ago(GIVE_UP_AFTER_MS + 1),
      record: {
        ...healthOnly,
        state: 'queued',
        notBefore: now,
        mayHavePosted: false,
        reason: 'X 401',
        pauseAccount: true,
      },
    },
    {
      name: 'failed for good (X refused this post): nothing posted',
      result: { kind: 'failed', reason: 'X refused this post' },
      first: ago(60_000),
      record: { ...healthOnly, state: 'failed', mayHavePosted: false, reason: 'X refused this post' },
    },
  ];
  for (const c of cases) t.strictSame(undeliveredRecord(c.result, c.first, now), c.record, c.name);
});
