import t from 'tap';
import {
  DEFAULT_POSTING_WINDOW,
  fanoutReadiness,
  REGULAR_ANNOUNCEMENT,
  sameAnnouncement,
  type Announcement,
  type PendingState,
} from '../src/index.js';

const at = (iso: string) => new Date(iso);
const base = (over: Partial<PendingState> = {}): PendingState => ({
  oldest: at('2026-11-26T10:00:00Z'),
  urgent: false,
  coalesceSeconds: 60,
  window: DEFAULT_POSTING_WINDOW,
  allowUrgent: false,
  paused: false,
  hasCredentials: true,
  delivering: false,
  ...over,
});

void t.test('coalescing, posting windows, urgent notices and pauses decide when changes are composed', async (t) => {
  const cases: { name: string; state: PendingState; now: string; waiting: string | null; readyAt: string | null }[] = [
    {
      name: 'within the coalescing window',
      state: base(),
      now: '2026-11-26T10:00:30Z',
      waiting: 'coalescing',
      readyAt: '2026-11-26T10:01:00.000Z',
    },
    {
      name: 'the coalescing window just ended',
      state: base(),
      now: '2026-11-26T10:01:00Z',
      waiting: null,
      readyAt: '2026-11-26T10:01:00.000Z',
    },
    {
      name: 'coalescing 0: at once',
      state: base({ coalesceSeconds: 0 }),
      now: '2026-11-26T10:00:00Z',
      waiting: null,
      readyAt: '2026-11-26T10:00:00.000Z',
    },
    {
      name: 'before the window (GMT): 08:00 London',
      state: base({ oldest: at('2026-11-26T06:30:00Z') }),
      now: '2026-11-26T06:40:00Z',
      waiting: 'posting-window',
      readyAt: '2026-11-26T08:00:00.000Z',
    },
    {
      name: 'before the window (BST): 08:00 London is 07:00Z',
      state: base({ oldest: at('2026-06-10T05:30:00Z') }),
      now: '2026-06-10T05:40:00Z',
      waiting: 'posting-window',
      readyAt: '2026-06-10T07:00:00.000Z',
    },
    {
      name: 'after the window: tomorrow 08:00',
      state: base({ oldest: at('2026-11-26T23:10:00Z') }),
      now: '2026-11-26T23:20:00Z',
      waiting: 'posting-window',
      readyAt: '2026-11-27T08:00:00.000Z',
    },
    {
      name: 'the night the clocks go forward: 08:00 BST',
      state: base({ oldest: at('2026-03-28T23:30:00Z') }),
      now: '2026-03-28T23:40:00Z',
      waiting: 'posting-window',
      readyAt: '2026-03-29T07:00:00.000Z',
    },
    {
      name: 'the night the clocks go back: 08:00 GMT',
      state: base({ oldest: at('2026-10-24T23:30:00Z') }),
      now: '2026-10-24T23:40:00Z',
      waiting: 'posting-window',
      readyAt: '2026-10-25T08:00:00.000Z',
    },
    {
      name: 'coalescing that ends before the window opens reports the opening',
      state: base({ oldest: at('2026-11-26T07:58:30Z') }),
      now: '2026-11-26T07:58:40Z',
      waiting: 'coalescing',
      readyAt: '2026-11-26T08:00:00.000Z',
    },
    {
      name: 'coalescing runs into the window closing: tomorrow',
      state: base({ oldest: at('2026-11-26T22:59:30Z') }),
      now: '2026-11-26T22:59:40Z',
      waiting: 'coalescing',
      readyAt: '2026-11-27T08:00:00.000Z',
    },
    {
      name: 'urgent, but the account does not allow it',
      state: base({ oldest: at('2026-11-26T06:30:00Z'), urgent: true }),
      now: '2026-11-26T06:40:00Z',
      waiting: 'posting-window',
      readyAt: '2026-11-26T08:00:00.000Z',
    },
    {
      name: 'urgent and allowed: outside the window',
      state: base({ oldest: at('2026-11-26T06:30:00Z'), urgent: true, allowUrgent: true }),
      now: '2026-11-26T06:40:00Z',
      waiting: null,
      readyAt: '2026-11-26T06:40:00.000Z',
    },
    {
      name: 'urgent and allowed still coalesces',
      state: base({ oldest: at('2026-11-26T06:30:00Z'), urgent: true, allowUrgent: true }),
      now: '2026-11-26T06:30:10Z',
      waiting: 'coalescing',
      readyAt: '2026-11-26T06:31:00.000Z',
    },
    {
      name: 'paused wins over everything',
      state: base({ paused: true, urgent: true, allowUrgent: true }),
      now: '2026-11-26T12:00:00Z',
      waiting: 'paused',
      readyAt: null,
    },
    {
      name: 'no credentials',
      state: base({ hasCredentials: false }),
      now: '2026-11-26T12:00:00Z',
      waiting: 'no-credentials',
      readyAt: null,
    },
    {
      name: 'earlier posts still being delivered',
      state: base({ delivering: true }),
      now: '2026-11-26T12:00:00Z',
      waiting: 'delivering',
      readyAt: null,
    },
    {
      name: 'a narrow window',
      state: base({ window: { start: '12:00', end: '12:30' } }),
      now: '2026-11-26T12:30:00Z',
      waiting: 'posting-window',
      readyAt: '2026-11-27T12:00:00.000Z',
    },
  ];
  for (const c of cases) {
    const r = fanoutReadiness(c.state, at(c.now));
    t.same(
      { waiting: r.waiting, readyAt: r.readyAt?.toISOString() ?? null },
      { waiting: c.waiting, readyAt: c.readyAt },
      c.name,
    );
  }
});

void t.test('what counts as a new announcement: a change undone, or to the message only, posts nothing', async (t) => {
  const closed: Announcement = {
    status: 'closed',
    cause: 'weather',
    stale: false,
    expectedReopenAt: at('2026-11-27T09:00:00Z'),
    reopenCertainty: 'expected',
    until: null,
  };
  const cases: { name: string; a: Announcement; b: Announcement; same: boolean }[] = [
    {
      name: 'closed, then reopened within the window: same as before the closure',
      a: REGULAR_ANNOUNCEMENT,
      b: { ...REGULAR_ANNOUNCEMENT },
      same: true,
    },
    {
      name: 'an open notice with a cause is still just open',
      a: REGULAR_ANNOUNCEMENT,
      b: { ...REGULAR_ANNOUNCEMENT, cause: 'other' },
      same: true,
    },
    { name: 'closed vs open', a: REGULAR_ANNOUNCEMENT, b: closed, same: false },
    { name: 'a new cause', a: closed, b: { ...closed, cause: 'flooding' }, same: false },
    {
      name: 'a new reopening time',
      a: closed,
      b: { ...closed, expectedReopenAt: at('2026-11-27T12:00:00Z') },
      same: false,
    },
    { name: 'the same time, now confirmed', a: closed, b: { ...closed, reopenCertainty: 'confirmed' }, same: false },
    { name: 'turned stale', a: closed, b: { ...closed, stale: true }, same: false },
    { name: 'closed to delayed', a: closed, b: { ...closed, status: 'delayed' }, same: false },
    {
      name: 'no reopening time: an end time matters',
      a: { ...closed, expectedReopenAt: null },
      b: { ...closed, expectedReopenAt: null, until: at('2026-11-27T09:00:00Z') },
      same: false,
    },
    {
      name: 'no reopening time: certainty is not said',
      a: { ...closed, expectedReopenAt: null, reopenCertainty: 'unknown' },
      b: { ...closed, expectedReopenAt: null, reopenCertainty: 'expected' },
      same: true,
    },
    {
      name: 'with a reopening time the end is not said',
      a: closed,
      b: { ...closed, until: at('2026-11-28T09:00:00Z') },
      same: true,
    },
  ];
  for (const c of cases) {
    t.equal(sameAnnouncement(c.a, c.b), c.same, c.name);
    t.equal(sameAnnouncement(c.b, c.a), c.same, `${c.name} (either way round)`);
  }
});
