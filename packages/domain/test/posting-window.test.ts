import t from 'tap';
import {
  DEFAULT_POSTING_WINDOW,
  inPostingWindow,
  londonParts,
  nextWindowOpening,
  windowClosesAt,
  type PostingWindow,
} from '../src/index.js';

const W = DEFAULT_POSTING_WINDOW;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

// 2026: BST starts Sun 29 March 01:00Z, ends Sun 25 October 01:00Z.
// 2027: BST starts Sun 28 March 01:00Z, ends Sun 31 October 01:00Z.
void t.test('the default window is 08:00-23:00 London', async (t) => {
  t.same(DEFAULT_POSTING_WINDOW, { start: '08:00', end: '23:00' });
});

void t.test('inPostingWindow: inside, outside and the edges, in GMT and BST', async (t) => {
  const cases: [at: string, open: boolean, why: string][] = [
    // GMT: London = UTC.
    ['2026-01-15T07:59:59.999Z', false, 'GMT just before 08:00'],
    ['2026-01-15T08:00:00.000Z', true, 'GMT 08:00 is inclusive'],
    ['2026-01-15T12:00:00.000Z', true, 'GMT midday'],
    ['2026-01-15T22:59:59.999Z', true, 'GMT just before 23:00'],
    ['2026-01-15T23:00:00.000Z', false, 'GMT 23:00 is exclusive'],
    ['2026-01-15T00:00:00.000Z', false, 'GMT midnight'],
    // BST: London = UTC + 1.
    ['2026-07-15T06:59:59.999Z', false, 'BST just before 08:00'],
    ['2026-07-15T07:00:00.000Z', true, 'BST 08:00 is inclusive'],
    ['2026-07-15T08:00:00.000Z', true, 'BST 09:00'],
    ['2026-07-15T21:59:59.999Z', true, 'BST just before 23:00'],
    ['2026-07-15T22:00:00.000Z', false, 'BST 23:00 is exclusive'],
    ['2026-07-15T22:30:00.000Z', false, 'BST 23:30 (22:30Z would be open in GMT)'],
    ['2026-07-15T23:30:00.000Z', false, 'BST 00:30 the next day'],
    // Either side of the 2026 changes.
    ['2026-03-28T07:59:00.000Z', false, 'Sat 28 Mar 07:59 GMT'],
    ['2026-03-28T08:00:00.000Z', true, 'Sat 28 Mar 08:00 GMT'],
    ['2026-03-28T22:59:00.000Z', true, 'Sat 28 Mar 22:59 GMT'],
    ['2026-03-28T23:00:00.000Z', false, 'Sat 28 Mar 23:00 GMT'],
    ['2026-03-29T06:59:00.000Z', false, 'Sun 29 Mar 07:59 BST'],
    ['2026-03-29T07:00:00.000Z', true, 'Sun 29 Mar 08:00 BST'],
    ['2026-03-29T21:59:00.000Z', true, 'Sun 29 Mar 22:59 BST'],
    ['2026-03-29T22:00:00.000Z', false, 'Sun 29 Mar 23:00 BST'],
    ['2026-10-24T06:59:00.000Z', false, 'Sat 24 Oct 07:59 BST'],
    ['2026-10-24T07:00:00.000Z', true, 'Sat 24 Oct 08:00 BST'],
    ['2026-10-24T22:00:00.000Z', false, 'Sat 24 Oct 23:00 BST'],
    ['2026-10-25T07:00:00.000Z', false, 'Sun 25 Oct 07:00 GMT'],
    ['2026-10-25T07:59:59.999Z', false, 'Sun 25 Oct 07:59 GMT'],
    ['2026-10-25T08:00:00.000Z', true, 'Sun 25 Oct 08:00 GMT'],
    ['2026-10-25T22:59:59.999Z', true, 'Sun 25 Oct 22:59 GMT'],
    ['2026-10-25T23:00:00.000Z', false, 'Sun 25 Oct 23:00 GMT'],
    // And the 2027 changes.
    ['2027-03-27T08:00:00.000Z', true, 'Sat 27 Mar 2027 08:00 GMT'],
    ['2027-03-28T07:00:00.000Z', true, 'Sun 28 Mar 2027 08:00 BST'],
    ['2027-03-28T06:59:59.999Z', false, 'Sun 28 Mar 2027 07:59 BST'],
    ['2027-10-30T22:00:00.000Z', false, 'Sat 30 Oct 2027 23:00 BST'],
    ['2027-10-31T07:59:59.999Z', false, 'Sun 31 Oct 2027 07:59 GMT'],
    ['2027-10-31T08:00:00.000Z', true, 'Sun 31 Oct 2027 08:00 GMT'],
  ];
  for (const [at, open, why] of cases) t.equal(inPostingWindow(W, new Date(at)), open, `${at}: ${why}`);
});

void t.test('inPostingWindow with seconds in the window', async (t) => {
  const w: PostingWindow = { start: '08:00:30', end: '08:01:15' };
  const cases: [string, boolean][] = [
    ['2026-01-15T08:00:29.999Z', false],
    ['2026-01-15T08:00:30.000Z', true],
    ['2026-01-15T08:01:14.999Z', true],
    ['2026-01-15T08:01:15.000Z', false],
    ['2026-07-15T07:00:30.000Z', true],
  ];
  for (const [at, open] of cases) t.equal(inPostingWindow(w, new Date(at)), open, at);
});

void t.test(
  'inPostingWindow agrees with the London clock, every 10 minutes over the 2026 and 2027 change days',
  async (t) => {
    let checked = 0;
    let mismatches = 0;
    for (const [from, to] of [
      ['2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'],
      ['2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z'],
      ['2027-03-26T00:00:00Z', '2027-03-30T00:00:00Z'],
      ['2027-10-29T00:00:00Z', '2027-11-02T00:00:00Z'],
    ]) {
      for (let ms = Date.parse(from!); ms < Date.parse(to!); ms += 10 * 60_000) {
        const at = new Date(ms);
        const { time } = londonParts(at);
        const expected = time >= '08:00' && time < '23:00';
        checked++;
        if (inPostingWindow(W, at) !== expected) mismatches++;
        // Open: no wait. Closed: the next opening reads 08:00 London and lies ahead.
        const next = nextWindowOpening(W, at);
        const closes = windowClosesAt(W, at);
        if (expected) {
          if (next !== at || !closes || londonParts(closes).time !== '23:00' || closes <= at) mismatches++;
          if (closes && londonParts(closes).date !== londonParts(at).date) mismatches++;
        } else {
          if (closes !== null || londonParts(next).time !== '08:00' || next <= at) mismatches++;
          if (next.getTime() - at.getTime() > 24 * 3_600_000) mismatches++;
        }
      }
    }
    t.equal(mismatches, 0, `${checked} instants`);
  },
);

void t.test('nextWindowOpening: now when open, else today or tomorrow, across the changes', async (t) => {
  const cases: [at: string, next: string, why: string][] = [
    ['2026-01-15T12:00:00.000Z', '2026-01-15T12:00:00.000Z', 'open: now'],
    ['2026-01-15T08:00:00.000Z', '2026-01-15T08:00:00.000Z', 'open at the start: now'],
    ['2026-01-15T03:00:00.000Z', '2026-01-15T08:00:00.000Z', 'GMT before start: today'],
    ['2026-01-15T23:00:00.000Z', '2026-01-16T08:00:00.000Z', 'GMT at the end: tomorrow'],
    ['2026-01-15T23:59:59.999Z', '2026-01-16T08:00:00.000Z', 'GMT just before midnight: tomorrow'],
    ['2026-12-31T23:30:00.000Z', '2027-01-01T08:00:00.000Z', 'over the new year'],
    ['2026-02-28T23:30:00.000Z', '2026-03-01T08:00:00.000Z', 'over the end of February'],
    ['2026-07-15T03:00:00.000Z', '2026-07-15T07:00:00.000Z', 'BST before start: today'],
    ['2026-07-15T22:00:00.000Z', '2026-07-16T07:00:00.000Z', 'BST at the end: tomorrow'],
    ['2026-07-15T23:30:00.000Z', '2026-07-16T07:00:00.000Z', 'BST after midnight (London 16th): today'],
    // Spring forward, 2026.
    ['2026-03-28T23:30:00.000Z', '2026-03-29T07:00:00.000Z', 'Sat 23:30 GMT -> Sun 08:00 BST'],
    ['2026-03-28T23:00:00.000Z', '2026-03-29T07:00:00.000Z', 'Sat 23:00 GMT -> Sun 08:00 BST'],
    ['2026-03-29T00:30:00.000Z', '2026-03-29T07:00:00.000Z', 'Sun 00:30 GMT -> 08:00 BST'],
    ['2026-03-29T01:00:00.000Z', '2026-03-29T07:00:00.000Z', 'Sun 02:00 BST -> 08:00 BST'],
    ['2026-03-29T22:00:00.000Z', '2026-03-30T07:00:00.000Z', 'Sun 23:00 BST -> Mon 08:00 BST'],
    // Fall back, 2026.
    ['2026-10-24T22:00:00.000Z', '2026-10-25T08:00:00.000Z', 'Sat 23:00 BST -> Sun 08:00 GMT'],
    ['2026-10-24T23:30:00.000Z', '2026-10-25T08:00:00.000Z', 'Sun 00:30 BST -> 08:00 GMT'],
    ['2026-10-25T00:30:00.000Z', '2026-10-25T08:00:00.000Z', 'Sun 01:30 BST -> 08:00 GMT'],
    ['2026-10-25T01:30:00.000Z', '2026-10-25T08:00:00.000Z', 'Sun 01:30 GMT (again) -> 08:00 GMT'],
    ['2026-10-25T23:00:00.000Z', '2026-10-26T08:00:00.000Z', 'Sun 23:00 GMT -> Mon 08:00 GMT'],
    // 2027.
    ['2027-03-27T23:30:00.000Z', '2027-03-28T07:00:00.000Z', '2027 Sat 23:30 GMT -> Sun 08:00 BST'],
    ['2027-10-30T22:30:00.000Z', '2027-10-31T08:00:00.000Z', '2027 Sat 23:30 BST -> Sun 08:00 GMT'],
  ];
  for (const [at, next, why] of cases) t.equal(iso(nextWindowOpening(W, new Date(at))), next, `${at}: ${why}`);
  const now = new Date('2026-01-15T12:00:00Z');
  t.equal(nextWindowOpening(W, now), now, 'the same Date when open');
});

void t.test('a start inside the spring-forward gap opens at 02:00 BST', async (t) => {
  const w: PostingWindow = { start: '01:30', end: '05:00' };
  const cases: [at: string, next: string, why: string][] = [
    ['2026-03-28T23:30:00.000Z', '2026-03-29T01:00:00.000Z', 'Sat 23:30 GMT -> 02:00 BST'],
    ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '00:00 GMT -> 02:00 BST'],
    ['2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z', '00:59:59 GMT -> 02:00 BST'],
    ['2026-03-29T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '02:00 BST: open'],
    ['2026-03-29T04:00:00.000Z', '2026-03-30T00:30:00.000Z', '05:00 BST: Monday 01:30 BST'],
    ['2026-03-28T05:00:00.000Z', '2026-03-29T01:00:00.000Z', 'Sat 05:00 GMT (the end): Sun 02:00 BST'],
    ['2026-03-28T00:00:00.000Z', '2026-03-28T01:30:00.000Z', 'Sat 00:00 GMT: the usual 01:30 GMT'],
    ['2027-03-27T23:30:00.000Z', '2027-03-28T01:00:00.000Z', '2027: 02:00 BST'],
  ];
  for (const [at, next, why] of cases) t.equal(iso(nextWindowOpening(w, new Date(at))), next, `${at}: ${why}`);
  t.equal(inPostingWindow(w, new Date('2026-03-29T00:59:59Z')), false, 'closed at 00:59:59 GMT');
  t.equal(inPostingWindow(w, new Date('2026-03-29T01:00:00Z')), true, 'open at 02:00 BST');
  // Seconds in the gap too.
  t.equal(
    iso(nextWindowOpening({ start: '01:59:59', end: '03:00' }, new Date('2026-03-29T00:00:00Z'))),
    '2026-03-29T01:00:00.000Z',
  );
  t.equal(
    iso(nextWindowOpening({ start: '01:00', end: '03:00' }, new Date('2026-03-29T00:00:00Z'))),
    '2026-03-29T01:00:00.000Z',
    '01:00 itself is in the gap',
  );
});

void t.test('a start in the repeated hour of the fall-back day', async (t) => {
  // The clock reads 01:00-01:59 twice: the window opens on the first reading, and when
  // it has closed again before the second, reopens on the second.
  const w: PostingWindow = { start: '01:15', end: '01:45' };
  const cases: [at: string, open: boolean, next: string, closes: string | null][] = [
    ['2026-10-25T00:00:00.000Z', false, '2026-10-25T00:15:00.000Z', null], // 01:00 BST
    ['2026-10-25T00:15:00.000Z', true, '2026-10-25T00:15:00.000Z', '2026-10-25T00:45:00.000Z'], // 01:15 BST
    ['2026-10-25T00:50:00.000Z', false, '2026-10-25T01:15:00.000Z', null], // 01:50 BST
    ['2026-10-25T01:05:00.000Z', false, '2026-10-25T01:15:00.000Z', null], // 01:05 GMT
    ['2026-10-25T01:20:00.000Z', true, '2026-10-25T01:20:00.000Z', '2026-10-25T01:45:00.000Z'], // 01:20 GMT
    ['2026-10-25T01:45:00.000Z', false, '2026-10-26T01:15:00.000Z', null], // 01:45 GMT
  ];
  for (const [at, open, next, closes] of cases) {
    t.equal(inPostingWindow(w, new Date(at)), open, `${at} open`);
    t.equal(iso(nextWindowOpening(w, new Date(at))), next, `${at} next`);
    t.equal(iso(windowClosesAt(w, new Date(at))), closes, `${at} closes`);
  }
});

void t.test('windowClosesAt: the end of today, null when closed', async (t) => {
  const cases: [at: string, closes: string | null, why: string][] = [
    ['2026-01-15T08:00:00.000Z', '2026-01-15T23:00:00.000Z', 'GMT at start'],
    ['2026-01-15T22:59:59.999Z', '2026-01-15T23:00:00.000Z', 'GMT just before end'],
    ['2026-01-15T23:00:00.000Z', null, 'GMT at end'],
    ['2026-01-15T07:00:00.000Z', null, 'GMT before start'],
    ['2026-07-15T07:00:00.000Z', '2026-07-15T22:00:00.000Z', 'BST at start'],
    ['2026-07-15T22:00:00.000Z', null, 'BST at end'],
    ['2026-03-28T12:00:00.000Z', '2026-03-28T23:00:00.000Z', 'Sat before spring forward: GMT end'],
    ['2026-03-29T12:00:00.000Z', '2026-03-29T22:00:00.000Z', 'spring-forward day: BST end'],
    ['2026-10-24T12:00:00.000Z', '2026-10-24T22:00:00.000Z', 'Sat before fall back: BST end'],
    ['2026-10-25T12:00:00.000Z', '2026-10-25T23:00:00.000Z', 'fall-back day: GMT end'],
    ['2027-03-28T12:00:00.000Z', '2027-03-28T22:00:00.000Z', '2027 spring-forward day'],
    ['2027-10-31T12:00:00.000Z', '2027-10-31T23:00:00.000Z', '2027 fall-back day'],
  ];
  for (const [at, closes, why] of cases) t.equal(iso(windowClosesAt(W, new Date(at))), closes, `${at}: ${why}`);
  // An end in the spring-forward gap closes at 02:00 BST, when the clock passes it.
  t.equal(
    iso(windowClosesAt({ start: '00:00', end: '01:30' }, new Date('2026-03-29T00:30:00Z'))),
    '2026-03-29T01:00:00.000Z',
  );
  t.equal(
    iso(windowClosesAt({ start: '00:00', end: '01:30' }, new Date('2026-03-28T00:30:00Z'))),
    '2026-03-28T01:30:00.000Z',
  );
  t.equal(
    iso(windowClosesAt({ start: '00:00', end: '23:59:59' }, new Date('2026-07-15T23:30:00Z'))),
    '2026-07-16T22:59:59.000Z',
  );
});

void t.test('malformed windows throw RangeError', async (t) => {
  const bad: PostingWindow[] = [
    { start: '8:00', end: '23:00' },
    { start: '08:00', end: '24:00' },
    { start: '08:60', end: '23:00' },
    { start: '08:00:60', end: '23:00' },
    { start: '08:00:0', end: '23:00' },
    { start: '08', end: '23:00' },
    { start: '', end: '23:00' },
    { start: ' 08:00', end: '23:00' },
    { start: '08:00', end: '23:00 ' },
    { start: '08h00', end: '23:00' },
    { start: '08:00:00.5', end: '23:00' },
    { start: '23:00', end: '08:00' }, // would wrap midnight
    { start: '08:00', end: '08:00' },
    { start: '08:00:01', end: '08:00' },
    { start: '22:00', end: '02:00' },
  ];
  const at = new Date('2026-01-15T12:00:00Z');
  for (const w of bad) {
    t.throws(() => inPostingWindow(w, at), RangeError, `inPostingWindow ${JSON.stringify(w)}`);
    t.throws(() => nextWindowOpening(w, at), RangeError, `nextWindowOpening ${JSON.stringify(w)}`);
    t.throws(() => windowClosesAt(w, at), RangeError, `windowClosesAt ${JSON.stringify(w)}`);
  }
  t.throws(() => inPostingWindow(W, new Date(NaN)), RangeError, 'invalid instant');
  t.equal(inPostingWindow({ start: '00:00', end: '23:59:59' }, at), true, 'the widest window is fine');
  t.equal(
    inPostingWindow({ start: '08:00', end: '08:00:01' }, new Date('2026-01-15T08:00:00.500Z')),
    true,
    'a one-second window is fine',
  );
});
