// The fan-out end to end: status writes through the API, the outbox, the dispatcher,
// the real twitter-api-v2 client over HTTP, the X emulator.
import { nextWindowOpening } from '@jcp/domain';
import { sql } from 'kysely';
import t from 'tap';
import { CARLISLE, CUMBRIA, fanoutFixture, shutWindow, waitFor } from './fixture.js';

const closed = { status: 'closed', cause: 'weather' } as const;

void t.test('a closure is posted once, by the account of the office, signed with its own tokens', async (t) => {
  const f = await fanoutFixture(t);
  const cumbria = await f.handleOf(CUMBRIA);
  await f.notice({ ...closed, offices: [CARLISLE, 'barrow-8627'] });
  await f.newDispatcher().start();
  const posts = await waitFor('the Cumbria post', async () => {
    const p = await f.posts();
    return p.length > 0 && p;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const all = await f.posts();
  t.equal(all.length, 1, 'one post in all: other accounts post nothing');
  t.equal(posts[0]!.username, cumbria, 'attributed (by OAuth signature) to the Cumbria account');
  t.match(posts[0]!.text, /^Update \d\d\/\d\d \d\d:\d\d\n/, 'stamped with the London date and time');
  t.match(
    posts[0]!.text,
    /Barrow and Carlisle are closed because of severe weather\. No reopening time yet\./,
    'offices in the same state share a sentence',
  );
  const stored = await f.database.db.selectFrom('fanout_posts').selectAll().execute();
  t.equal(stored.length, 1);
  t.equal(stored[0]!.state, 'delivered');
  t.equal(stored[0]!.outcome, 'posted');
  t.equal(stored[0]!.x_post_id, posts[0]!.id, 'the X id is recorded');
  const outbox = await f.database.db.selectFrom('fanout_outbox').selectAll().execute();
  t.equal(outbox.length, 2, 'one outbox row per change');
  t.ok(outbox.every((o) => o.account_id === CUMBRIA && o.batch_id === stored[0]!.batch_id));
});

void t.test(
  'a long list becomes a numbered thread, each part replying to the one before; Welsh accounts post in both languages',
  async (t) => {
    const f = await fanoutFixture(t);
    await f.newDispatcher().start();
    await f.notice({ ...closed, district: '101' }); // South West Wales: en + cy
    const handle = await f.handleOf('district-101');
    const expected = await f.database.db
      .selectFrom('offices')
      .select('id')
      .where('account_id', '=', 'district-101')
      .where('closed_permanently_on', 'is', null)
      .execute();
    const rows = await waitFor('every part delivered', async () => {
      const r = await f.database.db.selectFrom('fanout_posts').selectAll().orderBy('id').execute();
      return r.length > 0 && r.every((p) => p.state === 'delivered') && r;
    });
    const posts = await f.posts(handle);
    t.equal(posts.length, rows.length);
    for (const language of ['en', 'cy'] as const) {
      const parts = rows.filter((r) => r.language === language);
      t.ok(parts.length > 1, `${language}: a thread`);
      for (const [i, part] of parts.entries()) {
        t.match(part.text, new RegExp(`\\(${i + 1}/${parts.length}\\)$`, 'm'));
        const posted = posts.find((p) => p.id === part.x_post_id);
        t.ok(posted, 'delivered to X');
        t.equal(
          posted?.inReplyToTweetId ?? null,
          i === 0 ? null : parts[i - 1]!.x_post_id,
          'replies to the previous part',
        );
      }
    }
    t.match(rows.find((r) => r.language === 'cy')?.text ?? '', /^Diweddariad \d\d\/\d\d \d\d:\d\d\n.*ar gau/s);
    const welsh = rows
      .filter((r) => r.language === 'cy')
      .map((r) => r.text)
      .join('\n');
    const english = rows
      .filter((r) => r.language === 'en')
      .map((r) => r.text)
      .join('\n');
    t.match(welsh, /Aberdâr/, 'Welsh posts use Welsh names (the accented spelling of the two the register has)');
    t.match(welsh, /Abertawe/);
    t.notMatch(welsh, /Swansea/);
    t.match(english, /Swansea/);
    t.notMatch(english, /Abertawe/);
    const named = new Set(
      (await f.database.db.selectFrom('fanout_batches').select('offices').execute()).flatMap((b) => b.offices),
    );
    t.equal(named.size, expected.length, 'every office of the district is named');
  },
);

void t.test(
  'coalescing: changes within the window become one post; a change undone within it posts nothing',
  async (t) => {
    const f = await fanoutFixture(t, { dispatcher: { coalesceSeconds: 2 } });
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    await f.notice({ ...closed, offices: ['barrow-8627'] });
    await f.notice({ status: 'open', offices: ['barrow-8627'] });
    await waitFor(
      'the coalesced batch',
      async () => (await f.database.db.selectFrom('fanout_batches').select('id').executeTakeFirst()) !== undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const posts = await waitFor('the post', async () => {
      const p = await f.posts();
      return p.length > 0 && p;
    });
    t.equal(posts.length, 1, 'one post for three changes');
    t.match(posts[0]!.text, /Carlisle is closed/);
    t.notMatch(posts[0]!.text, /Barrow/, 'Barrow closed and reopened within the window: not mentioned');

    // Closed and reopened inside the window: nothing at all.
    await f.notice({ ...closed, offices: ['kendal-8576'] });
    await f.notice({ status: 'open', offices: ['kendal-8576'] });
    await waitFor(
      'the second batch',
      async () => (await f.database.db.selectFrom('fanout_batches').select('id').execute()).length === 2,
    );
    const batches = await f.database.db.selectFrom('fanout_batches').selectAll().orderBy('composed_at').execute();
    t.same(batches[1]!.offices, [], 'the batch names no office');
    t.equal((await f.posts()).length, 1, 'and posts nothing');
  },
);

void t.test(
  'posting windows: held while shut, then the then-current state is posted once; urgent notices bypass where allowed',
  async (t) => {
    const f = await fanoutFixture(t);
    const window = shutWindow();
    await f.database.db
      .updateTable('accounts')
      .set({ posting_window_start: window.start, posting_window_end: window.end })
      .execute();
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    await f.notice({
      status: 'delayed',
      cause: 'staffing',
      expectedReopenAt: new Date(Date.now() + 3 * 3600_000).toISOString(),
      offices: [CARLISLE],
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    t.equal((await f.posts()).length, 0, 'nothing outside the window');
    t.equal(
      (await f.database.db.selectFrom('fanout_outbox').select('change_seq').where('batch_id', 'is', null).execute())
        .length,
      2,
      'both changes wait',
    );
    const account = (await f.app.inject(`/accounts/${CUMBRIA}`)).json<{
      health: { pendingChanges: number; waiting: { reason: string; until: string | null } | null };
    }>();
    t.equal(account.health.pendingChanges, 2);
    t.equal(account.health.waiting?.reason, 'posting-window', 'GET /accounts/{id} says why nothing was posted');
    t.equal(account.health.waiting?.until, nextWindowOpening(window, new Date()).toISOString(), 'and when it will be');

    // Urgent, but the account does not allow it: still held.
    await f.notice({ ...closed, offices: ['barrow-8627'], urgent: true });
    await new Promise((resolve) => setTimeout(resolve, 400));
    t.equal((await f.posts()).length, 0, 'an urgent notice waits where the account does not allow bypassing');

    await f.database.db.updateTable('accounts').set({ allow_urgent: true }).where('id', '=', CUMBRIA).execute();
    f.newDispatcher().wake();
    const urgent = await waitFor('the urgent post', async () => {
      const p = await f.posts();
      return p.length > 0 && p;
    });
    t.equal(urgent.length, 1);
    t.match(urgent[0]!.text, /Barrow is closed/);
    t.match(
      urgent[0]!.text,
      /Carlisle is opening late because of staff shortages/,
      'the then-current state of every pending office',
    );
    t.notMatch(urgent[0]!.text, /Carlisle is closed/, 'the superseded closure is not posted');

    // Another account, window shut, then opened: one post with the current state.
    await f.notice({ ...closed, offices: ['aberdare-9820'] });
    await f.notice({ status: 'open', offices: ['aberdare-9820'] });
    await f.notice({ status: 'closed', cause: 'flooding', offices: ['aberdare-9820'] });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const wales = await f.handleOf('district-101');
    t.equal((await f.posts(wales)).length, 0);
    await f.database.db
      .updateTable('accounts')
      .set({ posting_window_start: '00:00', posting_window_end: '23:59:59' })
      .where('id', '=', 'district-101')
      .execute();
    const opened = await waitFor('the Welsh account posts', async () => {
      const p = await f.posts(wales);
      return p.length === 2 && p;
    });
    t.match(opened.find((p) => p.text.startsWith('Update'))?.text ?? '', /Aberdare is closed because of flooding\./);
    t.equal(
      opened.filter((p) => /Aberdare is closed because of severe weather/.test(p.text)).length,
      0,
      'superseded state not posted',
    );
  },
);

void t.test('every kind of fault: 100% delivered, nothing duplicated', async (t) => {
  const f = await fanoutFixture(t);
  // 503s, a slow answer past the client timeout, dropped connections, and answers lost after the post was stored.
  await f.control('POST', '/_control/faults', {
    kind: 'status',
    status: 503,
    method: 'POST',
    path: '/2/tweets',
    count: 3,
  });
  await f.control('POST', '/_control/faults', {
    kind: 'delay',
    delayMs: 1_500,
    method: 'POST',
    path: '/2/tweets',
    count: 1,
  });
  await f.control('POST', '/_control/faults', { kind: 'drop', method: 'POST', path: '/2/tweets', count: 2 });
  await f.control('POST', '/_control/faults', { kind: 'lostAnswer', method: 'POST', path: '/2/tweets', count: 3 });
  await f.control('POST', '/_control/faults', {
    kind: 'status',
    status: 500,
    method: 'POST',
    path: '/2/tweets',
    count: 2,
  });
  await f.newDispatcher().start();
  await f.notice({ ...closed, district: '105' });
  await f.notice({ ...closed, district: '101' });
  await f.notice({ ...closed, district: '136' });
  const rows = await waitFor(
    'every post delivered',
    async () => {
      const r = await f.database.db.selectFrom('fanout_posts').selectAll().execute();
      return r.length > 0 && r.every((p) => p.state === 'delivered') && r;
    },
    40_000,
  );
  const posts = await f.posts();
  t.equal(posts.length, rows.length, 'exactly one X post per composed post');
  t.equal(new Set(posts.map((p) => `${p.authorId}\n${p.text}`)).size, posts.length, 'no text twice on one account');
  t.ok(
    rows.some((r) => r.attempts > 1),
    'faults made retries',
  );
  t.ok(
    rows.some((r) => r.outcome === 'already-posted'),
    'a lost answer is recognised on retry as already posted',
  );
  for (const r of rows.filter((r) => r.outcome === 'already-posted')) {
    t.ok(
      posts.some((p) => p.id === r.x_post_id && p.text === r.text),
      'its X id was recovered from the timeline',
    );
  }
  t.same((await f.control('GET', '/_control/faults')).faults, [], 'every fault was used');
});

void t.test(
  'order per account: a reopening never overtakes its closure, even when the closure needs retries',
  async (t) => {
    const f = await fanoutFixture(t);
    await f.control('POST', '/_control/faults', {
      kind: 'status',
      status: 503,
      method: 'POST',
      path: '/2/tweets',
      count: 4,
    });
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    await waitFor(
      'the closure composed',
      async () => (await f.database.db.selectFrom('fanout_posts').select('id').executeTakeFirst()) !== undefined,
    );
    await f.notice({ status: 'open', offices: [CARLISLE] });
    const posts = await waitFor(
      'both posted',
      async () => {
        const p = await f.posts();
        return p.length === 2 && p;
      },
      20_000,
    );
    t.match(posts[0]!.text, /Carlisle is closed/);
    t.match(posts[1]!.text, /Carlisle is open again/);
    t.ok(BigInt(posts[0]!.id) < BigInt(posts[1]!.id));
  },
);

void t.test(
  'pause per account and for all: nothing posts while paused; on resume the current state posts once',
  async (t) => {
    const f = await fanoutFixture(t);
    await f.database.db
      .updateTable('accounts')
      .set({ paused: true, paused_reason: 'testing', paused_at: new Date() })
      .where('id', '=', CUMBRIA)
      .execute();
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    await f.notice({ ...closed, offices: ['aberdare-9820'] });
    await waitFor('the unpaused account posts (English and Welsh)', async () => (await f.posts()).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal((await f.posts(await f.handleOf(CUMBRIA))).length, 0, 'the paused account did not post');
    const metrics = async () => (await f.app.inject('/metrics')).body;
    const gauge = (body: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]);
    const whilePaused = await metrics();
    t.equal(gauge(whilePaused, 'jcp_fanout_changes_pending'), 1, '/metrics: the paused account’s change waits');
    t.equal(gauge(whilePaused, 'jcp_fanout_accounts_paused'), 1);
    t.equal(gauge(whilePaused, 'jcp_fanout_posts_queued'), 0);
    t.equal(gauge(whilePaused, 'jcp_fanout_paused'), 0);

    await f.database.db.updateTable('fanout_control').set({ paused: true }).execute();
    await f.database.db
      .updateTable('accounts')
      .set({ paused: false, paused_reason: null, paused_at: null })
      .where('id', '=', CUMBRIA)
      .execute();
    await f.notice({ status: 'open', offices: ['aberdare-9820'] });
    await new Promise((resolve) => setTimeout(resolve, 400));
    t.equal((await f.posts()).length, 2, 'paused for all: nothing');
    t.equal(gauge(await metrics(), 'jcp_fanout_paused'), 1);
    await f.database.db.updateTable('fanout_control').set({ paused: false }).execute();
    await sql`select pg_notify('jcp_fanout', '')`.execute(f.database.db);
    // Carlisle's closure (English) and Aberdare's reopening (English and Welsh).
    const posts = await waitFor('resumed', async () => {
      const p = await f.posts();
      return p.length === 5 && p;
    });
    t.ok(posts.some((p) => /Carlisle is closed/.test(p.text)));
    t.ok(posts.some((p) => /Aberdare is open again/.test(p.text)));
  },
);

void t.test(
  'rejected credentials pause the account and keep its post; fixed and resumed, it is delivered',
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const account = await f.database.db
      .selectFrom('accounts')
      .select('x_user_id')
      .where('id', '=', CUMBRIA)
      .executeTakeFirstOrThrow();
    // X forgets the tokens (revoked): the emulator now expects others.
    await f.control('POST', '/_control/accounts', {
      id: account.x_user_id,
      username: handle,
      accessToken: 'revoked',
      accessTokenSecret: 'revoked',
    });
    await f.newDispatcher().start();
    await f.notice({ ...closed, offices: [CARLISLE] });
    const paused = await waitFor('the account paused', async () => {
      const c = await f.database.db
        .selectFrom('accounts')
        .select(['paused', 'paused_reason'])
        .where('id', '=', CUMBRIA)
        .executeTakeFirstOrThrow();
      return c.paused && c;
    });
    t.match(paused.paused_reason, /401/);
    const audit = await f.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'account.paused')
      .where('entity_id', '=', CUMBRIA)
      .execute();
    t.equal(audit.length, 1, 'the automatic pause is audited');
    t.match(audit[0]!.actor, /^system:dispatcher:/);
    const post = await f.database.db.selectFrom('fanout_posts').selectAll().executeTakeFirstOrThrow();
    t.equal(post.state, 'queued', 'the post waits');
    t.equal((await f.posts()).length, 0);
    // Other accounts have no credentials at all: nothing is composed for them.
    await f.notice({ ...closed, offices: ['aberdare-9820'] });
    // Fixed: register the original tokens again, then resume.
    const { provisionEmulatorAccounts } = await import('@jcp/start');
    await provisionEmulatorAccounts(f.database, f.emulator, f.credentialsKey, { only: [CUMBRIA] });
    await f.database.db
      .updateTable('accounts')
      .set({ paused: false, paused_reason: null, paused_at: null })
      .where('id', '=', CUMBRIA)
      .execute();
    await sql`select pg_notify('jcp_fanout', '')`.execute(f.database.db);
    await waitFor('delivered after resume', async () => (await f.posts()).length === 1);
    // X has it; the outcome is recorded a moment later.
    await waitFor(
      'the delivery recorded',
      async () =>
        (await f.database.db.selectFrom('fanout_posts').select('state').executeTakeFirstOrThrow()).state ===
        'delivered',
    );
    t.equal(
      (await f.database.db.selectFrom('fanout_posts').select('id').execute()).length,
      1,
      'nothing composed for the account without credentials',
    );
  },
);

void t.test('a scheduled closure and its expiry are posted like manual changes', async (t) => {
  const f = await fanoutFixture(t);
  await f.newDispatcher().start();
  // Job slots are whole seconds; two runs within one second must not share a slot.
  const slots = [new Date(1_000_000_000_000), new Date(1_000_000_001_000)];
  const from = new Date(Date.now() + 800);
  const until = new Date(Date.now() + 1_600);
  await f.notice({ ...closed, offices: [CARLISLE], from: from.toISOString(), until: until.toISOString() });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  t.ok((await f.app.jobs.settleStatuses(slots.shift()!)).ran, 'the scheduler ran');
  const first = await waitFor('the scheduled closure posted', async () => {
    const p = await f.posts();
    return p.length === 1 && p;
  });
  t.match(first[0]!.text, /Carlisle is closed because of severe weather\. It will reopen at/);
  await new Promise((resolve) => setTimeout(resolve, 800));
  t.ok((await f.app.jobs.settleStatuses(slots.shift()!)).ran, 'the scheduler ran');
  const both = await waitFor('the expiry posted', async () => {
    const p = await f.posts();
    return p.length === 2 && p;
  });
  t.match(both[1]!.text, /Carlisle is open again/);
});
