import t from 'tap';
import {
  DEFAULT_APP_POST_BUDGET,
  DEFAULT_REPLY_BUDGET_SHARE,
  DEFAULT_USER_POST_BUDGET,
  budgetUsed,
  budgetWaitUntil,
  latestWait,
  splitAppBudget,
  type AppBudgetRule,
  type AppBudgetSplit,
  type BudgetRule,
} from '../src/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const MIN = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const RULE: BudgetRule = { limit: 3, windowMs: 10 * MIN };

void t.test('the defaults are X documented limits', async (t) => {
  t.same(DEFAULT_USER_POST_BUDGET, { limit: 100, windowMs: 15 * MIN });
  t.same(DEFAULT_APP_POST_BUDGET, { limit: 10_000, windowMs: 24 * 60 * MIN });
});

void t.test('budgetUsed counts sends in (now - windowMs, now]', async (t) => {
  const cases: [sent: number[], used: number, why: string][] = [
    [[], 0, 'nothing sent'],
    [[0], 1, 'a send exactly now counts'],
    [[1], 1, 'a millisecond ago'],
    [[10 * MIN - 1], 1, 'a millisecond inside the window'],
    [[10 * MIN], 0, 'exactly windowMs ago has aged out'],
    [[10 * MIN + 1], 0, 'older'],
    [[-1], 0, 'after now (a skewed clock) is not counted'],
    [[1 * MIN, 2 * MIN, 3 * MIN, 20 * MIN], 3, 'three in, one out'],
    [[9 * MIN, 1 * MIN, 30 * MIN, 5 * MIN, 10 * MIN], 3, 'unsorted'],
    [[2 * MIN, 2 * MIN, 2 * MIN], 3, 'sends at the same instant each count'],
  ];
  for (const [sent, used, why] of cases) t.equal(budgetUsed(sent.map(ago), RULE, NOW), used, why);
  t.equal(budgetUsed([new Date(NaN), ago(MIN)], RULE, NOW), 1, 'an invalid date is not a send');
});

void t.test('budgetWaitUntil: null under the limit, else when the oldest in-window sends age out', async (t) => {
  // RULE: 3 per 10 minutes.
  const cases: [sent: number[], wait: string | null, why: string][] = [
    [[], null, 'nothing sent'],
    [[1 * MIN], null, 'one of three'],
    [[1 * MIN, 2 * MIN], null, 'two of three: one more allowed'],
    [[1 * MIN, 2 * MIN, 3 * MIN], '2026-11-26T12:07:00.000Z', 'at the limit: the oldest (3 min ago) + 10 min'],
    [[3 * MIN, 1 * MIN, 2 * MIN], '2026-11-26T12:07:00.000Z', 'unsorted: the same'],
    [[0, 0, 0], '2026-11-26T12:10:00.000Z', 'three right now'],
    [
      [1 * MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN],
      '2026-11-26T12:07:00.000Z',
      'two over: the third oldest (3 min) + 10 min',
    ],
    [[5 * MIN, 1 * MIN, 4 * MIN, 2 * MIN, 3 * MIN], '2026-11-26T12:07:00.000Z', 'two over, unsorted'],
    [[1 * MIN, 2 * MIN, 10 * MIN], null, 'one exactly windowMs ago has aged out'],
    [
      [1 * MIN, 2 * MIN, 10 * MIN - 1],
      '2026-11-26T12:00:00.001Z',
      'one a millisecond inside: allowed a millisecond from now',
    ],
    [[1 * MIN, 2 * MIN, 30 * MIN, 60 * MIN], null, 'old sends do not count'],
    [[1 * MIN, 2 * MIN, -5 * MIN], null, 'a send after now is not counted'],
    [[4 * MIN, 4 * MIN, 4 * MIN, 1 * MIN], '2026-11-26T12:06:00.000Z', 'ties: the second oldest of the three at 4 min'],
  ];
  for (const [sent, wait, why] of cases) t.equal(iso(budgetWaitUntil(sent.map(ago), RULE, NOW)), wait, why);
});

void t.test('after the wait, one more send is allowed, and not a millisecond before', async (t) => {
  // Exhaustive over small rules and histories: the wait is exactly the first instant
  // at which budgetUsed drops below the limit.
  let checked = 0;
  for (const limit of [1, 2, 3, 4]) {
    const rule: BudgetRule = { limit, windowMs: 10 * MIN };
    for (let mask = 0; mask < 1 << 8; mask++) {
      // Sends at 0, 1.5, 3, ... minutes ago, picked by the mask; some twice.
      const sent = [...Array(8).keys()]
        .filter((i) => mask & (1 << i))
        .flatMap((i) => (i % 3 === 0 ? [i * 1.5 * MIN, i * 1.5 * MIN] : [i * 1.5 * MIN]));
      const dates = sent.map(ago).reverse();
      const wait = budgetWaitUntil(dates, rule, NOW);
      const used = budgetUsed(dates, rule, NOW);
      checked++;
      if (wait === null) {
        t.ok(used < limit, `limit ${limit} mask ${mask}: allowed now`);
        continue;
      }
      t.ok(used >= limit && wait > NOW, `limit ${limit} mask ${mask}: must wait`);
      t.ok(budgetUsed(dates, rule, wait) < limit, `limit ${limit} mask ${mask}: allowed at the wait`);
      t.equal(budgetWaitUntil(dates, rule, wait), null, `limit ${limit} mask ${mask}: no further wait`);
      t.ok(budgetUsed(dates, rule, new Date(wait.getTime() - 1)) >= limit, `limit ${limit} mask ${mask}: not before`);
    }
  }
  t.equal(checked, 4 * 256);
});

void t.test('the user rule: 100 per 15 minutes', async (t) => {
  // One send a second for 100 seconds, the last one now.
  const sent = Array.from({ length: 100 }, (_, i) => ago(i * 1000));
  t.equal(budgetUsed(sent, DEFAULT_USER_POST_BUDGET, NOW), 100);
  t.equal(
    iso(budgetWaitUntil(sent, DEFAULT_USER_POST_BUDGET, NOW)),
    '2026-11-26T12:13:21.000Z',
    'the oldest (99 s ago) + 15 min',
  );
  t.equal(budgetWaitUntil(sent.slice(1), DEFAULT_USER_POST_BUDGET, NOW), null, '99 of 100');
});

void t.test('the app rule: 10,000 per 24 hours', async (t) => {
  const rule = DEFAULT_APP_POST_BUDGET;
  // 10,000 sends, one every 8 seconds (22 h 13 m 12 s of history), shuffled.
  const sent = Array.from({ length: 10_000 }, (_, i) => ago(i * 8000));
  const shuffled = [...sent].sort((a, b) => ((a.getTime() * 7919) % 10_007) - ((b.getTime() * 7919) % 10_007));
  t.equal(budgetUsed(shuffled, rule, NOW), 10_000);
  // The oldest was 79,992 s ago; it ages out 24 h after it was sent.
  const oldest = ago(9_999 * 8000);
  t.equal(iso(budgetWaitUntil(shuffled, rule, NOW)), new Date(oldest.getTime() + rule.windowMs).toISOString());
  t.equal(
    budgetWaitUntil(
      shuffled.filter((d) => d.getTime() !== oldest.getTime()),
      rule,
      NOW,
    ),
    null,
    '9,999 of 10,000',
  );
  // 10,050 in the window: the 51st oldest decides.
  const more = [...sent, ...Array.from({ length: 50 }, (_, i) => ago(i * 8000 + 4000))];
  const fiftyFirst = [...more].sort((a, b) => a.getTime() - b.getTime())[50]!;
  t.equal(iso(budgetWaitUntil(more, rule, NOW)), new Date(fiftyFirst.getTime() + rule.windowMs).toISOString());
});

void t.test('a rule that could never allow a send throws', async (t) => {
  const bad: BudgetRule[] = [
    { limit: 0, windowMs: MIN },
    { limit: -1, windowMs: MIN },
    { limit: 1.5, windowMs: MIN },
    { limit: NaN, windowMs: MIN },
    { limit: 1, windowMs: 0 },
    { limit: 1, windowMs: -MIN },
    { limit: 1, windowMs: NaN },
    { limit: 1, windowMs: Infinity },
  ];
  for (const rule of bad) {
    t.throws(() => budgetWaitUntil([], rule, NOW), RangeError, `budgetWaitUntil ${JSON.stringify(rule)}`);
    t.throws(() => budgetUsed([], rule, NOW), RangeError, `budgetUsed ${JSON.stringify(rule)}`);
  }
  t.throws(() => budgetWaitUntil([], RULE, new Date(NaN)), RangeError, 'invalid now');
  t.equal(budgetWaitUntil([], { limit: 1, windowMs: 1 }, NOW), null, 'the smallest rule is fine');
  t.equal(iso(budgetWaitUntil([NOW], { limit: 1, windowMs: 1 }, NOW)), '2026-11-26T12:00:00.001Z');
});

void t.test('latestWait is the latest of the waits, null when none', async (t) => {
  const a = new Date('2026-11-26T12:05:00Z');
  const b = new Date('2026-11-26T12:10:00Z');
  const cases: [waits: (Date | null)[], latest: Date | null][] = [
    [[], null],
    [[null], null],
    [[null, null], null],
    [[a], a],
    [[a, null], a],
    [[null, a], a],
    [[a, b], b],
    [[b, a], b],
    [[null, b, a, null], b],
    [[a, new Date(a.getTime())], a],
  ];
  for (const [waits, latest] of cases) t.equal(iso(latestWait(...waits)), iso(latest), JSON.stringify(waits));
});

void t.test(
  'splitAppBudget: replies never take more than their share; status posts may use the rest and the replies’ unused share',
  async (t) => {
    const DAY = 24 * 60 * MIN;
    const rule = (limit: number, replyShare?: number): AppBudgetRule => ({
      limit,
      windowMs: DAY,
      ...(replyShare === undefined ? {} : { replyShare }),
    });
    type Row = [rule: AppBudgetRule, status: number, replies: number, expected: Partial<AppBudgetSplit>, why: string];
    const cases: Row[] = [
      [
        rule(10),
        0,
        0,
        {
          replyShare: 0.5,
          replyLimit: 5,
          repliesRemaining: 5,
          statusRemaining: 10,
          statusGuaranteedRemaining: 5,
          used: 0,
        },
        'the default: half',
      ],
      [
        rule(10),
        0,
        5,
        { repliesRemaining: 0, statusRemaining: 5, statusGuaranteedRemaining: 5 },
        'replies at their share: no more replies, status keeps its half',
      ],
      [
        rule(10),
        0,
        7,
        { repliesRemaining: 0, statusRemaining: 3, statusGuaranteedRemaining: 5 },
        'more replies than the share (a lowered share, or sends before it): none more',
      ],
      [
        rule(10),
        8,
        0,
        { repliesRemaining: 2, statusRemaining: 2, statusGuaranteedRemaining: 0 },
        'status borrowed 3 of the replies’ share: replies get what is left',
      ],
      [
        rule(10),
        10,
        0,
        { repliesRemaining: 0, statusRemaining: 0, statusGuaranteedRemaining: 0 },
        'status may use the whole budget',
      ],
      [rule(10), 3, 5, { repliesRemaining: 0, statusRemaining: 2, statusGuaranteedRemaining: 2, used: 8 }, 'both used'],
      [
        rule(10),
        12,
        3,
        { repliesRemaining: 0, statusRemaining: 0, statusGuaranteedRemaining: 0, used: 15 },
        'over the limit (a lowered limit): nothing, never negative',
      ],
      [
        rule(10, 0),
        0,
        0,
        { replyLimit: 0, repliesRemaining: 0, statusRemaining: 10, statusGuaranteedRemaining: 10 },
        'share 0: no replies at all',
      ],
      [
        rule(10, 1),
        0,
        0,
        { replyLimit: 10, repliesRemaining: 10, statusRemaining: 10, statusGuaranteedRemaining: 0 },
        'share 1: replies may use everything, status has no guarantee',
      ],
      [rule(10, 1), 4, 6, { repliesRemaining: 0, statusRemaining: 0 }, 'share 1, spent'],
      [
        rule(1),
        0,
        0,
        { replyLimit: 0, repliesRemaining: 0, statusRemaining: 1, statusGuaranteedRemaining: 1 },
        'a budget of one: it is status’s',
      ],
      [rule(3), 0, 0, { replyLimit: 1, statusGuaranteedRemaining: 2 }, 'an odd limit: the spare one goes to status'],
      [rule(100, 0.29), 0, 0, { replyLimit: 29 }, 'no floating-point shortfall'],
      [rule(10_000), 5_000, 4_999, { repliesRemaining: 1, statusRemaining: 1 }, 'X’s default budget, one left'],
      [rule(10), -3, Number.NaN, { used: 0, statusUsed: 0, repliesUsed: 0 }, 'nonsense counts count as none'],
    ];
    for (const [r, status, replies, expected, why] of cases)
      t.match(splitAppBudget(r, { status, replies }), expected, why);
    for (const share of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      t.throws(() => splitAppBudget(rule(10, share), { status: 0, replies: 0 }), RangeError, `share ${share}`);
    t.throws(
      () => splitAppBudget({ limit: 0, windowMs: DAY }, { status: 0, replies: 0 }),
      RangeError,
      'a limit below 1',
    );
    t.equal(DEFAULT_REPLY_BUDGET_SHARE, 0.5);
    // Whatever replies do, status posts keep limit − replyLimit of their own.
    for (const limit of [1, 2, 3, 10, 101, 1_000]) {
      for (const share of [0, 0.1, 0.5, 0.9, 1]) {
        for (let replies = 0; replies <= limit; replies++) {
          const split = splitAppBudget(rule(limit, share), { status: 0, replies });
          if (split.repliesRemaining > 0 && replies + 1 > split.replyLimit)
            t.fail(`limit ${limit} share ${share}: a reply beyond the share`);
          if (split.statusRemaining < Math.min(limit - replies, limit - split.replyLimit))
            t.fail(`limit ${limit} share ${share} replies ${replies}: status short`);
        }
      }
    }
  },
);
