import fc from 'fast-check';
import t from 'tap';
import {
  DEFAULT_POLL_INTERVALS,
  MAX_SEARCH_QUERY_LENGTH,
  minimumPollInterval,
  planSearchQueries,
  pollInterval,
  postIdAt,
  postIdTime,
  SEARCH_BUDGET,
  SEARCH_BUDGET_SHARE,
  sinceIdFor,
} from '../src/index.js';

const handleOf = (n: number, length = 15) => `h${String(n).padStart(length - 1, '0')}`;

void t.test('the constants', async (t) => {
  t.equal(MAX_SEARCH_QUERY_LENGTH, 512);
  t.same(SEARCH_BUDGET, { limit: 450, windowMs: 900_000 });
  t.equal(SEARCH_BUDGET_SHARE, 2 / 3);
  t.same(DEFAULT_POLL_INTERVALS, { activeMs: 15_000, quietMs: 60_000 });
});

void t.test('planSearchQueries: the query form', async (t) => {
  t.same(planSearchQueries([]), [], 'no handles, no queries');
  t.same(planSearchQueries(['JCPinWestYorks']), [
    { query: '(@JCPinWestYorks) -is:retweet', handles: ['JCPinWestYorks'] },
  ]);
  t.same(
    planSearchQueries(['b', 'a', 'c']),
    [{ query: '(@a OR @b OR @c) -is:retweet', handles: ['a', 'b', 'c'] }],
    'sorted',
  );
  t.same(
    planSearchQueries(['a', 'b', 'a']),
    [{ query: '(@a OR @b) -is:retweet', handles: ['a', 'b'] }],
    'a repeated handle appears once',
  );
  t.same(planSearchQueries(['x'.repeat(16)], 512).length, 1);
  t.throws(() => planSearchQueries(['abcdef'], 20), /cannot fit/, 'a handle that cannot fit even alone');
  // "(@abc) -is:retweet" is 18 characters: exactly the limit fits.
  t.same(planSearchQueries(['abc'], 18), [{ query: '(@abc) -is:retweet', handles: ['abc'] }]);
  t.same(
    planSearchQueries(['abc', 'abd'], 18).map((q) => q.handles),
    [['abc'], ['abd']],
    'one per query when two do not fit',
  );
});

void t.test('planSearchQueries: 95 handles of 15 characters need 4 queries', async (t) => {
  // A query of n handles of 15 characters: "(" + n × "@" + 15 + (n − 1) × " OR " + ")" + " -is:retweet"
  //   = 1 + 16n + 4(n − 1) + 1 + 12 = 20n + 10 characters.
  // 20n + 10 ≤ 512 ⇔ n ≤ 25.1, so 25 handles a query (510 characters; 26 would be 530).
  // 95 handles = 25 + 25 + 25 + 20: 4 queries, the last 20 × 20 + 10 = 410 characters.
  const handles = Array.from({ length: 95 }, (_, i) => handleOf(i));
  t.ok(handles.every((h) => h.length === 15));
  const queries = planSearchQueries(handles);
  t.equal(queries.length, 4);
  t.same(
    queries.map((q) => q.handles.length),
    [25, 25, 25, 20],
  );
  t.same(
    queries.map((q) => q.query.length),
    [510, 510, 510, 410],
  );
  t.same(
    queries.flatMap((q) => q.handles),
    [...handles].sort(),
  );
  // 100 handles: exactly 4 full queries; 101 need a fifth.
  t.equal(planSearchQueries(Array.from({ length: 100 }, (_, i) => handleOf(i))).length, 4);
  t.equal(planSearchQueries(Array.from({ length: 101 }, (_, i) => handleOf(i))).length, 5);
});

void t.test(
  'property: every query within 512 characters, every handle exactly once, queries as full as they can be',
  async (t) => {
    const handle = fc.stringMatching(/^[A-Za-z0-9_]{1,15}$/);
    fc.assert(
      fc.property(fc.array(handle, { maxLength: 300 }), (handles) => {
        const queries = planSearchQueries(handles);
        const planned = queries.flatMap((q) => q.handles);
        if (planned.length !== new Set(planned).size) return false;
        if (new Set(planned).size !== new Set(handles).size || !handles.every((h) => planned.includes(h))) return false;
        for (const [i, q] of queries.entries()) {
          if (q.query.length > MAX_SEARCH_QUERY_LENGTH || q.handles.length === 0) return false;
          if (q.query !== `(${q.handles.map((h) => `@${h}`).join(' OR ')}) -is:retweet`) return false;
          // Greedy: the next query's first handle would not have fitted in this one.
          const next = queries[i + 1];
          if (
            next &&
            `(${[...q.handles, next.handles[0]!].map((h) => `@${h}`).join(' OR ')}) -is:retweet`.length <=
              MAX_SEARCH_QUERY_LENGTH
          )
            return false;
        }
        return true;
      }),
      { numRuns: 300, seed: 20260601 },
    );
    t.pass('300 generated handle lists');
  },
);

void t.test('minimumPollInterval: the budget share spread over the window', async (t) => {
  // 450 × 2/3 = 300 requests per 15 minutes; 5 queries a cycle → 60 cycles → one every 900 000 / 60 = 15 000 ms.
  t.equal(minimumPollInterval(5), 15_000);
  t.equal(minimumPollInterval(5, { limit: 450, windowMs: 15 * 60_000 }, 2 / 3), 15_000);
  t.equal(minimumPollInterval(1), 3_000, '900 000 / 300');
  t.equal(minimumPollInterval(4), 12_000);
  t.equal(minimumPollInterval(7), 21_000);
  t.equal(minimumPollInterval(0), 0);
  t.equal(minimumPollInterval(-1), 0);
  t.equal(minimumPollInterval(1, { limit: 450, windowMs: 900_000 }, 1), 2_000, 'the whole budget');
  // Rounded up: never faster than the budget allows (900 000 / 7 = 128 571.43 → 128 572).
  t.equal(minimumPollInterval(1, { limit: 7, windowMs: 900_000 }, 1), 128_572);
  t.equal(minimumPollInterval(2, { limit: 10, windowMs: 60_000 }, 0.5), 24_000, 'floor(5) requests a minute');
  // Whatever the number of queries, a full window of polls stays within the share.
  for (let queries = 1; queries <= 40; queries++) {
    const interval = minimumPollInterval(queries);
    const cycles = Math.ceil(SEARCH_BUDGET.windowMs / interval);
    t.ok(
      cycles * queries <= Math.floor(SEARCH_BUDGET.limit * SEARCH_BUDGET_SHARE) + queries,
      `${queries} queries every ${interval} ms`,
    );
    t.ok(
      Math.floor(SEARCH_BUDGET.windowMs / interval) * queries <= 300,
      `${queries}: at most 300 requests in any window`,
    );
  }
});

void t.test('pollInterval: active or quiet, never faster than the budget', async (t) => {
  t.equal(pollInterval(1, true), 15_000);
  t.equal(pollInterval(1, false), 60_000);
  t.equal(pollInterval(5, true), 15_000, 'exactly the budget');
  t.equal(pollInterval(6, true), 18_000, 'the budget wins');
  t.equal(pollInterval(6, false), 60_000);
  t.equal(pollInterval(25, false), 75_000, 'the budget wins when quiet too');
  t.equal(pollInterval(0, true), 15_000, 'no queries: the chosen interval');
  t.equal(pollInterval(1, true, { activeMs: 1_000, quietMs: 5_000 }), 3_000);
  t.equal(pollInterval(1, false, { activeMs: 1_000, quietMs: 5_000 }), 5_000);
  t.equal(pollInterval(1, true, { activeMs: 1_000, quietMs: 5_000 }, { limit: 1_000_000, windowMs: 900_000 }), 1_000);
});

void t.test('postIdAt and postIdTime: X ids are milliseconds since the Twitter epoch, shifted 22 bits', async (t) => {
  // The Twitter epoch is 1 288 834 974 657 ms (2010-11-04T01:42:54.657Z); 10^12 ms later is
  // 2042-07-13T03:29:34.657Z, whose first id is 10^12 × 2^22 = 4 194 304 000 000 000 000
  // and last 4 194 304 000 000 000 000 + 2^22 − 1 = 4 194 304 000 004 194 303.
  t.equal(postIdTime('4194304000000000000').toISOString(), '2042-07-13T03:29:34.657Z');
  t.equal(postIdAt(new Date('2042-07-13T03:29:34.657Z')), '4194304000000000000');
  t.equal(
    postIdTime('4194304000004194303').toISOString(),
    '2042-07-13T03:29:34.657Z',
    'the last id of that millisecond',
  );
  t.equal(postIdTime('4194304000004194304').toISOString(), '2042-07-13T03:29:34.658Z', 'the next millisecond');
  t.equal(postIdAt(new Date(1_288_834_974_657)), '0', 'the epoch');
  t.equal(postIdAt(new Date(0)), '0', 'before the epoch');
  t.equal(postIdAt(new Date(-5)), '0');
  t.equal(postIdAt(new Date(1_288_834_974_658)), String(1n << 22n), 'one millisecond after');
  const within = (BigInt(postIdAt(new Date('2026-03-01T00:00:00.123Z'))) + (1n << 22n) - 1n).toString();
  t.equal(postIdTime(within).toISOString(), '2026-03-01T00:00:00.123Z', 'every id of the same millisecond');
  fc.assert(
    fc.property(
      fc.date({ min: new Date('2010-11-05T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      (at) => {
        const id = postIdAt(at);
        return /^\d+$/.test(id) && postIdTime(id).getTime() === at.getTime();
      },
    ),
    { numRuns: 1000, seed: 20260601 },
  );
  t.pass('1000 round trips to the millisecond');
});

void t.test('ids compare as BigInt: a later time is a larger id, whatever the digits', async (t) => {
  const early = postIdAt(new Date('2010-11-05T00:00:00Z'));
  const later = postIdAt(new Date('2026-03-01T00:00:00Z'));
  t.ok(early.length < later.length, `${early} has fewer digits than ${later}`);
  t.ok(BigInt(early) < BigInt(later));
  t.ok(later.length > 16, 'beyond Number.MAX_SAFE_INTEGER: BigInt, not Number');
  t.ok(BigInt(later) > BigInt(Number.MAX_SAFE_INTEGER));
  fc.assert(
    fc.property(
      fc.date({ min: new Date('2010-11-04T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: 1, max: 1e12 }),
      (a, gap) => BigInt(postIdAt(a)) < BigInt(postIdAt(new Date(Math.max(a.getTime(), 1_288_834_974_657) + gap))),
    ),
    { numRuns: 500, seed: 20260601 },
  );
  t.pass('500 ordered pairs');
});

void t.test('sinceIdFor: the cursor less the overlap, or firstReadMs back', async (t) => {
  const now = new Date('2026-11-26T10:00:00.000Z');
  const options = { overlapMs: 30_000, firstReadMs: 15 * 60_000 };
  const fresh = sinceIdFor(null, now, options);
  t.equal(postIdTime(fresh).toISOString(), '2026-11-26T09:45:00.000Z', 'never read: 15 minutes back');
  t.equal(fresh, postIdAt(new Date('2026-11-26T09:45:00.000Z')));

  // A cursor with sequence bits set: the time is its millisecond less the overlap.
  const cursor = (BigInt(postIdAt(new Date('2026-11-26T09:59:10.250Z'))) + 12_345n).toString();
  const since = sinceIdFor(cursor, now, options);
  t.equal(postIdTime(since).toISOString(), '2026-11-26T09:58:40.250Z');
  t.ok(BigInt(since) < BigInt(cursor));
  t.equal(BigInt(cursor) - BigInt(since), 30_000n * (1n << 22n) + 12_345n);

  // However long ago the cursor, it reads on from there (now plays no part).
  const old = postIdAt(new Date('2026-11-01T00:00:00Z'));
  t.equal(postIdTime(sinceIdFor(old, now, options)).toISOString(), '2026-10-31T23:59:30.000Z');
  t.equal(sinceIdFor(old, new Date('2030-01-01T00:00:00Z'), options), sinceIdFor(old, now, options));
  t.equal(
    sinceIdFor(cursor, now, { overlapMs: 0, firstReadMs: 0 }),
    postIdAt(new Date('2026-11-26T09:59:10.250Z')),
    'no overlap: the start of the cursor millisecond',
  );

  fc.assert(
    fc.property(
      fc.date({ min: new Date('2011-01-01T00:00:00Z'), max: new Date('2099-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 24 * 3_600_000 }),
      fc.bigInt({ min: 0n, max: (1n << 22n) - 1n }),
      (at, overlapMs, sequence) => {
        const c = (BigInt(postIdAt(at)) + sequence).toString();
        const s = sinceIdFor(c, now, { overlapMs, firstReadMs: 0 });
        return postIdTime(s).getTime() === at.getTime() - overlapMs && BigInt(s) <= BigInt(c);
      },
    ),
    { numRuns: 500, seed: 20260601 },
  );
  t.pass('500 cursors');
});
