// X refusing a status post with a 403 that is not about the account's credentials: the post
// fails with X's reason, its batch is finished, the account is not paused and goes on posting.
// Only X refusing the credentials themselves (GET /2/users/me refused too) pauses it.
import t from 'tap';
import { CARLISLE, CUMBRIA, fanoutFixture, waitFor } from './fixture.js';

const closed = { status: 'closed', cause: 'weather' } as const;
const SWWALES = 'district-101';

const accountOf = (f: Awaited<ReturnType<typeof fanoutFixture>>, id: string) =>
  f.database.db
    .selectFrom('accounts')
    .select(['paused', 'paused_reason'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const pauses = (f: Awaited<ReturnType<typeof fanoutFixture>>, id: string) =>
  f.database.db
    .selectFrom('audit_log')
    .select('id')
    .where('action', '=', 'account.paused')
    .where('entity_id', '=', id)
    .execute();

void t.test(
  "a thread's part refused because the part before it was deleted: that part fails, the thread and the account go on",
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [SWWALES] });
    const handle = await f.handleOf(SWWALES);
    // One post an hour: the thread's first part goes, the rest wait.
    const first = f.newDispatcher({ userBudget: { limit: 1, windowMs: 3_600_000 } });
    await first.start();
    await f.notice({ ...closed, district: '101' }); // a thread in English, one in Welsh
    const [part1] = await waitFor('the first part', async () => {
      const p = await f.posts(handle);
      return p.length === 1 && p;
    });
    await waitFor(
      'its outcome recorded',
      async () =>
        (
          await f.database.db
            .selectFrom('fanout_posts')
            .select('state')
            .where('x_post_id', '=', part1!.id)
            .executeTakeFirst()
        )?.state === 'delivered',
    );
    await first.stop();
    // Someone at the office deletes the first part on X.
    await f.control('DELETE', `/_control/posts/${part1!.id}`);
    await f.newDispatcher().start();
    const rows = await waitFor(
      'every part tried',
      async () => {
        const r = await f.database.db.selectFrom('fanout_posts').selectAll().orderBy('id').execute();
        return r.length > 0 && r.every((p) => p.state !== 'queued') && r;
      },
      20_000,
    );
    const english = rows.filter((r) => r.language === 'en');
    t.ok(english.length >= 2, 'a thread');
    t.equal(english[0]!.state, 'delivered');
    t.equal(english[1]!.state, 'failed', 'the part replying to the deleted one fails');
    t.equal(
      english[1]!.last_error,
      'X refused this post: forbidden (HTTP 403): You attempted to reply to a Tweet that is deleted or not visible to you.',
      "with X's reason",
    );
    t.ok(english[1]!.attempts <= 2, 'tried once (twice if a slow machine lost an answer): no loop');
    t.ok(
      english.slice(2).every((r) => r.state === 'delivered'),
      'the parts after it are posted',
    );
    t.ok(
      rows.filter((r) => r.language === 'cy').every((r) => r.state === 'delivered'),
      'and the Welsh thread',
    );
    t.same(await accountOf(f, SWWALES), { paused: false, paused_reason: null }, 'the account is not paused');
    t.equal((await pauses(f, SWWALES)).length, 0);
    // Parts of the batch were delivered: its offices count as heard.
    const offices = await f.database.db
      .selectFrom('offices')
      .select('id')
      .where('account_id', '=', SWWALES)
      .where('closed_permanently_on', 'is', null)
      .execute();
    const heard = await f.database.db
      .selectFrom('fanout_announced')
      .select('office_id')
      .where('batch_id', '=', english[0]!.batch_id)
      .execute();
    t.equal(heard.length, offices.length, 'the batch is finished and its offices heard');
    const failed = (
      await f.app.inject({ url: `/accounts/${SWWALES}/posts?state=failed`, headers: f.bearer(f.admin) })
    ).json<{ posts: { id: string; lastError: string }[] }>();
    t.match(
      failed.posts,
      [{ id: String(english[1]!.id), lastError: /deleted or not visible/ }],
      'managers see the failure and why',
    );

    // The account posts its next change.
    await f.notice({ status: 'open', offices: ['swansea-9854'] });
    await waitFor('the next change posted', async () =>
      (await f.posts(handle)).some((p) => /Swansea is open again/.test(p.text)),
    );
  },
);

void t.test(
  'a status post refused with a 403 while X still accepts the credentials fails alone; refused with users/me refused too, the account is paused',
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const forbidden = {
      detail: 'You are not permitted to perform this action.',
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    };
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 403,
      body: forbidden,
      method: 'POST',
      path: '/2/tweets',
      account: handle,
    });
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    const post = await waitFor('the post refused', async () => {
      const p = await f.database.db.selectFrom('fanout_posts').selectAll().executeTakeFirst();
      return p?.state === 'failed' && p;
    });
    t.equal(
      post.last_error,
      'X refused this post: forbidden (HTTP 403): You are not permitted to perform this action.',
    );
    t.same(await accountOf(f, CUMBRIA), { paused: false, paused_reason: null }, 'not paused: X answered users/me');
    t.equal((await f.posts(handle)).length, 0, 'X posted nothing');
    const delivery = (await f.app.inject('/delivery')).json<{ failedPosts: number; accountsWithErrors: string[] }>();
    t.match(delivery, { failedPosts: 1, accountsWithErrors: [CUMBRIA] }, 'GET /delivery counts it');
    // Its followers never heard Carlisle was closed: its reopening says nothing; the next news goes out.
    await f.notice({ status: 'open', offices: [CARLISLE] });
    await f.notice({ ...closed, offices: ['barrow-8627'] });
    await waitFor('the next change posted', async () =>
      (await f.posts(handle)).some((p) => /Barrow is closed/.test(p.text)),
    );
    t.notOk(
      (await f.posts(handle)).some((p) => /Carlisle/.test(p.text)),
      'nothing about Carlisle: its closure was never heard',
    );

    // Now X refuses the account itself: the post and users/me both 403.
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 403,
      body: forbidden,
      method: 'POST',
      path: '/2/tweets',
      account: handle,
    });
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 403,
      body: forbidden,
      path: '/2/users/me',
      account: handle,
    });
    await f.notice({ ...closed, offices: [CARLISLE] });
    const paused = await waitFor('paused', async () => {
      const c = await accountOf(f, CUMBRIA);
      return c.paused && c;
    });
    t.equal(
      paused.paused_reason,
      'forbidden (HTTP 403): You are not permitted to perform this action.; GET /2/users/me refused too (HTTP 403): credentials rejected or revoked',
    );
    t.equal((await pauses(f, CUMBRIA)).length, 1, 'the pause is audited');
    const queued = await f.database.db
      .selectFrom('fanout_posts')
      .select(['state', 'text'])
      .where('state', '=', 'queued')
      .execute();
    t.equal(queued.length, 1, 'the post waits for the account');
    t.match(queued[0]!.text, /Carlisle is closed/);
  },
);

void t.test(
  'a 403 when X cannot say whether the credentials are good (users/me fails): the post is tried again, the account is not paused',
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const forbidden = {
      detail: 'You are not permitted to perform this action.',
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    };
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 403,
      body: forbidden,
      method: 'POST',
      path: '/2/tweets',
      account: handle,
    });
    await f.control('POST', '/_control/faults', { kind: 'status', status: 503, path: '/2/users/me', account: handle });
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    const post = await waitFor('delivered at the next attempt', async () => {
      const p = await f.database.db.selectFrom('fanout_posts').selectAll().executeTakeFirst();
      return p?.state === 'delivered' && p;
    });
    t.ok(post.attempts >= 2, 'tried again');
    t.same(await accountOf(f, CUMBRIA), { paused: false, paused_reason: null }, 'never paused');
    t.equal((await pauses(f, CUMBRIA)).length, 0);
    t.equal((await f.posts(handle)).length, 1, 'posted once');
  },
);
