// Recording delivered replies: a group of them is one statement (no batch to finish),
// held to the same rules as every outcome: only the lease holder's counts, an X id another
// post holds is not taken, and the account's health says it works.
import type { DeliveryResult } from '@jcp/db';
import { claimPosts, completePosts } from '@jcp/use-cases';
import t from 'tap';
import { CUMBRIA } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from './fixture.js';

const budget = { limit: 1_000, windowMs: 15 * 60_000 };

void t.test('delivered replies recorded together: the holder only, X ids kept unique, health updated', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const cumbria = await f.handleOf(CUMBRIA);
  for (let i = 0; i < 4; i++) await f.mention(cumbria, citizen(), `@${cumbria} is carlisle open today?`);
  const cycle = await f.newIngester().pollNow();
  t.equal(cycle.replies, 4, 'four replies queued');
  const db = f.database.db;

  const { posts } = await claimPosts(
    { db },
    {
      workerId: 'worker-a',
      leaseMs: 60_000,
      limit: 10,
      userBudget: budget,
      appBudget: budget,
    },
  );
  t.equal(posts.length, 4, 'all four claimed at once');
  t.ok(posts.every((p) => p.kind === 'reply'));
  const [first, second, third, fourth] = posts as [
    (typeof posts)[number],
    (typeof posts)[number],
    (typeof posts)[number],
    (typeof posts)[number],
  ];
  const delivered = (xPostId: string | null): DeliveryResult => ({ kind: 'delivered', outcome: 'posted', xPostId });

  // Another worker's outcome for a post it does not hold changes nothing.
  const stranger = await completePosts({ db }, [{ post: first, result: delivered('9100000000000000001') }], 'worker-b');
  t.same(stranger, [{ recorded: false, batchDone: false }], 'not the lease holder: not recorded');
  t.equal(
    (await db.selectFrom('fanout_posts').select('state').where('id', '=', first.id).executeTakeFirstOrThrow()).state,
    'queued',
  );

  await db
    .updateTable('fanout_accounts')
    .set({ last_success_at: null, consecutive_failures: 2, last_error: 'earlier trouble' })
    .where('account_id', '=', CUMBRIA)
    .execute();
  const recorded = await completePosts(
    { db },
    [
      { post: first, result: delivered('9100000000000000001') },
      // The same X id again (a stale timeline match): the post is delivered, its id unknown.
      { post: second, result: delivered('9100000000000000001') },
      { post: third, result: delivered(null) },
    ],
    'worker-a',
  );
  t.same(
    recorded,
    [1, 2, 3].map(() => ({ recorded: true, batchDone: false })),
    'each recorded, no batch to finish',
  );
  const rows = await db
    .selectFrom('fanout_posts')
    .select(['id', 'state', 'x_post_id', 'outcome', 'delivered_by', 'lease_owner', 'outcomes'])
    .where('id', 'in', [first.id, second.id, third.id])
    .orderBy('id')
    .execute();
  t.same(
    rows.map((r) => r.state),
    ['delivered', 'delivered', 'delivered'],
  );
  t.same(
    rows.map((r) => r.x_post_id),
    ['9100000000000000001', null, null],
    'an X id goes to one post only',
  );
  t.ok(
    rows.every(
      (r) => r.outcome === 'posted' && r.delivered_by === 'worker-a' && r.lease_owner === null && r.outcomes === 1,
    ),
  );
  const health = await db
    .selectFrom('fanout_accounts')
    .select(['last_success_at', 'consecutive_failures', 'last_error'])
    .where('account_id', '=', CUMBRIA)
    .executeTakeFirstOrThrow();
  t.ok(health.last_success_at, 'the account worked');
  t.equal(health.consecutive_failures, 0, 'its failures are cleared');
  t.equal(health.last_error, null);

  // Recorded once: the same outcomes again change nothing.
  t.same(
    await completePosts({ db }, [{ post: first, result: delivered('9100000000000000001') }], 'worker-a'),
    [{ recorded: false, batchDone: false }],
    'a second record is refused',
  );

  // A group with anything else in it takes the transaction path: the retry is recorded too.
  const mixed = await completePosts(
    { db },
    [
      {
        post: fourth,
        result: {
          kind: 'retry',
          notBefore: new Date(Date.now() - 1_000),
          reason: 'X answered 503',
          rateLimited: false,
        },
      },
    ],
    'worker-a',
  );
  t.same(mixed, [{ recorded: true, batchDone: false }]);
  const retried = await db
    .selectFrom('fanout_posts')
    .select(['state', 'last_error', 'maybe_on_x'])
    .where('id', '=', fourth.id)
    .executeTakeFirstOrThrow();
  t.same(
    retried,
    { state: 'queued', last_error: 'X answered 503', maybe_on_x: true },
    'queued again, and it may be on X',
  );

  // A stale outcome in the group (its post is done) with the same X id as a held one, and
  // a lower post id: the id goes to the post this group records, not to the stale one.
  const again = await claimPosts(
    { db },
    {
      workerId: 'worker-a',
      leaseMs: 60_000,
      limit: 10,
      userBudget: budget,
      appBudget: budget,
    },
  );
  t.same(
    again.posts.map((p) => p.id),
    [fourth.id],
    'the retried reply is claimed again',
  );
  const withStale = await completePosts(
    { db },
    [
      { post: first, result: delivered('9100000000000000004') },
      { post: again.posts[0]!, result: delivered('9100000000000000004') },
    ],
    'worker-a',
  );
  t.same(withStale, [
    { recorded: false, batchDone: false },
    { recorded: true, batchDone: false },
  ]);
  t.equal(
    (await db.selectFrom('fanout_posts').select('x_post_id').where('id', '=', fourth.id).executeTakeFirstOrThrow())
      .x_post_id,
    '9100000000000000004',
    'the held post keeps its X id',
  );
  t.equal(
    (await db.selectFrom('fanout_posts').select('x_post_id').where('id', '=', first.id).executeTakeFirstOrThrow())
      .x_post_id,
    '9100000000000000001',
    'the stale one is unchanged',
  );
  t.equal(
    (
      await db
        .selectFrom('mentions')
        .select('reply_post_id')
        .where(
          'reply_post_id',
          'in',
          posts.map((p) => p.id),
        )
        .execute()
    ).length,
    4,
    'every mention holds its reply',
  );
});
