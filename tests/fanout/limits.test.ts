// The fan-out under X's limits and when posts are held: 429s, budgets, the app's daily
// cap, repeated texts, and batches that give way to newer changes.
import t from 'tap';
import { CARLISLE, CUMBRIA, fanoutFixture, shutWindow, waitFor } from './fixture.js';

const closed = { status: 'closed', cause: 'weather' } as const;

void t.test('429: the account waits for the reset; our own budget keeps within X limits', async (t) => {
  const f = await fanoutFixture(t);
  // X allows 2 posts per 2 s per user; we believe 100 per 15 min, so X says 429.
  await f.control('PUT', '/_control/rate-limits', { 'POST /2/tweets': [{ scope: 'user', limit: 2, windowMs: 2_000 }] });
  await f.newDispatcher({ concurrency: 1 }).start();
  await f.notice({ ...closed, district: '101' }); // Welsh: a thread in English and one in Welsh
  const rows = await waitFor(
    'delivered despite the limit',
    async () => {
      const r = await f.database.db.selectFrom('fanout_posts').selectAll().execute();
      return r.length > 0 && r.every((p) => p.state === 'delivered') && r;
    },
    30_000,
  );
  t.ok(rows.length > 2);
  t.equal((await f.posts()).length, rows.length);
  const account = await f.database.db
    .selectFrom('fanout_accounts')
    .selectAll()
    .where('account_id', '=', 'district-101')
    .executeTakeFirstOrThrow();
  t.ok(account.blocked_until, 'a 429 blocked the account until its reset');
  t.ok(
    rows.some((r) => r.attempts > 1),
    'the refused posts were retried',
  );
  t.ok(account.consecutive_failures === 0 && account.last_success_at, 'and the account is healthy again');

  // With our budget set to X's real limit, X never has to say 429.
  const g = await fanoutFixture(t);
  await g.control('PUT', '/_control/rate-limits', { 'POST /2/tweets': [{ scope: 'user', limit: 2, windowMs: 2_000 }] });
  await g.newDispatcher({ userBudget: { limit: 2, windowMs: 2_000 } }).start();
  await g.notice({ ...closed, district: '101' });
  await waitFor(
    'delivered within budget',
    async () => {
      const r = await g.database.db.selectFrom('fanout_posts').select('state').execute();
      return r.length > 0 && r.every((p) => p.state === 'delivered');
    },
    30_000,
  );
  const accounts = await g.database.db.selectFrom('fanout_accounts').selectAll().execute();
  t.ok(
    accounts.every((a) => a.blocked_until === null && a.last_error === null),
    'no 429 at all',
  );
  const sends = await g.database.db
    .selectFrom('fanout_sends')
    .select('sent_at')
    .where('account_id', '=', 'district-101')
    .orderBy('sent_at')
    .execute();
  for (let i = 2; i < sends.length; i++) {
    t.ok(sends[i]!.sent_at.getTime() - sends[i - 2]!.sent_at.getTime() >= 2_000, 'never a third post within 2 s');
  }
});

void t.test(
  "the app's daily cap spent (429 with x-app-limit-24hour-remaining 0): every account waits for its reset",
  async (t) => {
    const f = await fanoutFixture(t);
    await f.control('PUT', '/_control/rate-limits', {
      'POST /2/tweets': [{ scope: 'app', limit: 2, windowMs: 86_400_000 }],
    });
    await f.newDispatcher({ concurrency: 1 }).start();
    await f.notice({ ...closed, district: '101' }); // several posts
    const control = await waitFor('the app blocked', async () => {
      const c = await f.database.db.selectFrom('fanout_control').selectAll().executeTakeFirstOrThrow();
      return c.app_blocked_until !== null && c;
    });
    t.ok(control.app_blocked_until!.getTime() > Date.now() + 23 * 3600_000, 'until the 24-hour window resets');
    await f.notice({ ...closed, offices: [CARLISLE] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.equal((await f.posts()).length, 2, 'nothing more was sent, by any account');
    const delivery = (await f.app.inject('/delivery')).json<{ appBlockedUntil: string | null; queuedPosts: number }>();
    t.equal(delivery.appBlockedUntil, control.app_blocked_until!.toISOString(), 'GET /delivery shows the block');
    t.ok(delivery.queuedPosts > 0);
    // A new day (here: the block lifted by hand and X's counter reset): everything goes.
    await f.control('PUT', '/_control/rate-limits', { 'POST /2/tweets': null });
    await f.database.db.updateTable('fanout_control').set({ app_blocked_until: null }).execute();
    const rows = await waitFor('all delivered', async () => {
      const r = await f.database.db.selectFrom('fanout_posts').select('state').execute();
      return r.length > 0 && r.every((p) => p.state === 'delivered') && r;
    });
    t.equal((await f.posts()).length, rows.length);
  },
);

void t.test('closed, open and closed again within a minute: three posts, each text new to X', async (t) => {
  const f = await fanoutFixture(t);
  await f.newDispatcher().start();
  for (const body of [closed, { status: 'open' }, closed]) {
    const before = (await f.posts()).length;
    await f.notice({ ...body, offices: [CARLISLE] });
    await waitFor('posted', async () => (await f.posts()).length === before + 1);
  }
  const posts = await f.posts();
  t.match(posts[0]!.text, /^Update \d\d\/\d\d \d\d:\d\d\nCarlisle is closed/);
  t.match(posts[1]!.text, /Carlisle is open again/);
  t.match(posts[2]!.text, /Carlisle is closed/);
  t.not(posts[2]!.text, posts[0]!.text, 'the repeat differs (seconds in its stamp when in the same minute)');
  // X has the third; its outcome is recorded a moment later.
  const rows = await waitFor('every outcome recorded', async () => {
    const r = await f.database.db.selectFrom('fanout_posts').selectAll().orderBy('id').execute();
    return r.every((p) => p.state !== 'queued') && r;
  });
  t.ok(
    rows.every((r) => r.state === 'delivered' && r.outcome === 'posted'),
    'all three delivered as new posts, none taken for a duplicate',
  );
});

void t.test(
  'a batch held back and never tried gives way: to newer changes, and when it grows stale; outside the window it waits',
  async (t) => {
    const f = await fanoutFixture(t);
    // One post per hour: the second batch is composed but cannot be sent.
    const first = f.newDispatcher({ userBudget: { limit: 1, windowMs: 3_600_000 } });
    await first.start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    await waitFor('the first post', async () => (await f.posts()).length === 1);
    await f.notice({ ...closed, offices: ['barrow-8627'] });
    await waitFor(
      'the second batch composed',
      async () =>
        (await f.database.db.selectFrom('fanout_posts').select('id').where('state', '=', 'queued').execute()).length ===
        1,
    );
    // Barrow reopens before its closure could be posted: the held batch is superseded and,
    // Barrow being as its followers last heard (open), nothing replaces it.
    const reopen = await f.notice({ status: 'open', offices: ['barrow-8627'] });
    t.ok(reopen);
    await waitFor(
      'superseded',
      async () =>
        (await f.database.db.selectFrom('fanout_posts').select('id').where('state', '=', 'superseded').execute())
          .length === 1,
    );
    await waitFor(
      'nothing queued',
      async () =>
        (await f.database.db.selectFrom('fanout_posts').select('id').where('state', '=', 'queued').execute()).length ===
        0,
    );
    t.equal((await f.posts()).length, 1, 'the undone closure was never posted');
    const closure = await f.database.db
      .selectFrom('status_changes')
      .select('seq')
      .where('office_id', '=', 'barrow-8627')
      .orderBy('seq')
      .executeTakeFirstOrThrow();
    const fanout = (await f.app.inject(`/changes/${closure.seq}/posts`)).json<{ state: string; posts: unknown[] }>();
    t.equal(fanout.state, 'unchanged', 'GET /changes/{seq}/posts follows the superseded batch to the one that stood');
    t.same(fanout.posts, []);
    await first.stop();

    // Held by the budget and grown stale: recomposed with fresh words, still posted once.
    const second = f.newDispatcher({ userBudget: { limit: 1, windowMs: 3_600_000 }, recomposeAfterSeconds: 1 });
    await second.start();
    await f.notice({ ...closed, offices: ['kendal-8576'] });
    await waitFor(
      'recomposed at least once',
      async () =>
        (await f.database.db.selectFrom('fanout_posts').select('id').where('state', '=', 'superseded').execute())
          .length >= 2,
      10_000,
    );
    // Outside the posting window a batch nobody tried is not sent, even with budget to spare.
    const window = shutWindow();
    await f.database.db
      .updateTable('accounts')
      .set({ posting_window_start: window.start, posting_window_end: window.end })
      .where('id', '=', CUMBRIA)
      .execute();
    await second.stop();
    const third = f.newDispatcher({ recomposeAfterSeconds: 3_600 });
    await third.start();
    await new Promise((resolve) => setTimeout(resolve, 600));
    t.equal((await f.posts()).length, 1, 'held outside the window');
    await f.database.db
      .updateTable('accounts')
      .set({ posting_window_start: '00:00', posting_window_end: '23:59:59' })
      .where('id', '=', CUMBRIA)
      .execute();
    third.wake();
    const posts = await waitFor('Kendal posted', async () => {
      const p = await f.posts();
      return p.length === 2 && p;
    });
    t.match(posts[1]!.text, /Kendal is closed/);
    t.equal(posts.filter((p) => /Kendal/.test(p.text)).length, 1, 'once, however often it was recomposed');
  },
);

void t.test('a post X refused with a 429 was not posted: its batch still gives way to a newer change', async (t) => {
  const f = await fanoutFixture(t);
  // X allows this account nothing for a minute: the first attempt gets a 429.
  await f.control('PUT', '/_control/rate-limits', {
    'POST /2/tweets': [{ scope: 'user', limit: 0, windowMs: 60_000 }],
  });
  await f.newDispatcher().start();
  await f.notice({ ...closed, offices: [CARLISLE] });
  await waitFor('the 429', async () => {
    const p = await f.database.db.selectFrom('fanout_posts').selectAll().executeTakeFirst();
    return p !== undefined && p.attempts === 1 && p.outcomes === 1 && p;
  });
  const post = await f.database.db.selectFrom('fanout_posts').selectAll().executeTakeFirstOrThrow();
  t.equal(post.maybe_on_x, false, 'a 429 means X posted nothing');
  t.equal(post.state, 'queued');
  await f.notice({ status: 'open', offices: [CARLISLE] });
  await waitFor(
    'superseded',
    async () =>
      (await f.database.db.selectFrom('fanout_posts').select('state').executeTakeFirstOrThrow()).state === 'superseded',
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(
    (await f.database.db.selectFrom('fanout_posts').select('id').where('state', '=', 'queued').execute()).length,
    0,
    'Carlisle is open as followers last heard: nothing replaces it',
  );
  t.equal((await f.posts()).length, 0, 'and nothing was ever posted');
});

void t.test(
  'a batch partly delivered (one language refused for good) still counts as heard: the reopening is posted',
  async (t) => {
    const f = await fanoutFixture(t);
    // The first post (English) is refused for good; the Welsh one goes.
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 400,
      method: 'POST',
      path: '/2/tweets',
      count: 1,
      body: { title: 'Invalid Request', detail: 'refused', type: 'about:blank', status: 400 },
    });
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: ['aberdare-9820'] });
    await waitFor('batch done', async () => {
      const rows = await f.database.db.selectFrom('fanout_posts').select('state').execute();
      return rows.length === 2 && rows.every((r) => r.state !== 'queued');
    });
    const rows = await f.database.db.selectFrom('fanout_posts').select(['language', 'state']).orderBy('id').execute();
    t.same(rows, [
      { language: 'en', state: 'failed' },
      { language: 'cy', state: 'delivered' },
    ]);
    await f.notice({ status: 'open', offices: ['aberdare-9820'] });
    const posts = await waitFor('the reopening', async () => {
      const p = await f.posts();
      return p.length === 3 && p;
    });
    t.match(posts[1]!.text, /Aberdare is open again/, 'English followers hear it is open');
    t.match(posts[2]!.text, /Mae Aberdâr ar agor eto/);
  },
);

void t.test(
  "a thread part whose answer was lost, and whose id X's timeline could not give at once: the next part still replies to it",
  async (t) => {
    const f = await fanoutFixture(t);
    await f.control('POST', '/_control/faults', { kind: 'lostAnswer', method: 'POST', path: '/2/tweets', count: 1 });
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 503,
      method: 'GET',
      path: '/2/users/:id/tweets',
      count: 1,
    });
    await f.newDispatcher({ concurrency: 1 }).start();
    await f.notice({ ...closed, district: '101' });
    const rows = await waitFor('all delivered', async () => {
      const r = await f.database.db.selectFrom('fanout_posts').selectAll().orderBy('id').execute();
      return r.length > 1 && r.every((p) => p.state === 'delivered') && r;
    });
    const first = rows[0]!;
    t.equal(first.outcome, 'already-posted', 'the first part got through, its answer lost');
    t.ok(first.x_post_id, 'its id was found when the second part needed it');
    const posts = await f.posts();
    t.equal(posts.length, rows.length, 'nothing twice');
    const second = posts.find((p) => p.id === rows[1]!.x_post_id);
    t.equal(second?.inReplyToTweetId, first.x_post_id, 'the thread holds together');
    t.same((await f.control('GET', '/_control/faults')).faults, [], 'the timeline failed once, as planned');
  },
);
