// Faults while reading mentions (X's 429, a 5xx in the middle of the pages, a connection
// dropped, an ingester stopped and another taking over) lose no mention and duplicate no
// reply; and the rules that keep the bot polite hold: no reply to itself, to a repost, to
// someone who said stop, beyond the throttle, or to a mention too old.
import t from 'tap';
import { CUMBRIA, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from './fixture.js';

const SEARCH = '/2/tweets/search/recent';
const roomy = { userBudget: { limit: 10_000, windowMs: 15 * 60_000 } };

async function counts(f: Awaited<ReturnType<typeof mentionsFixture>>) {
  const db = f.database.db;
  const mentions = await db
    .selectFrom('mentions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const replies = await db
    .selectFrom('fanout_posts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('kind', '=', 'reply')
    .executeTakeFirstOrThrow();
  return { mentions: Number(mentions.n), replies: Number(replies.n) };
}

void t.test("X's 429 stops the cycle until its reset; the mention is read afterwards", async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const handle = await f.handleOf(CUMBRIA);
  await f.mention(handle, citizen(), `@${handle} are you open today?`);
  await f.control('PUT', '/_control/rate-limits', {
    'GET /2/tweets/search/recent': [{ scope: 'app', limit: 0, windowMs: 60_000 }],
  });
  const ingester = f.newIngester();
  const limited = await ingester.pollNow();
  t.match(limited.error, /rate limited/);
  t.same(await counts(f), { mentions: 0, replies: 0 }, 'nothing stored from a refused read');
  const state = await f.app.inject({ method: 'GET', url: '/mention-ingest', headers: f.bearer(f.admin) });
  const body = state.json();
  t.ok(Date.parse(body.blockedUntil) > Date.now(), 'blocked until X says');
  t.ok(Date.parse(body.nextPollAt) >= Date.parse(body.blockedUntil), 'and the next read waits for it');
  t.equal(body.consecutiveFailures, 1);
  await f.control('PUT', '/_control/rate-limits', { 'GET /2/tweets/search/recent': null });
  const after = await ingester.pollNow();
  t.equal(after.stored, 1, 'read once the limit allows');
  t.same(await counts(f), { mentions: 1, replies: 1 });
});

void t.test(
  'a 5xx on the second page, then a dropped connection: every mention is stored and answered once',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const asked = [];
    for (let i = 0; i < 150; i++)
      asked.push(await f.mention(handle, citizen(`asker${i}`), `@${handle} is carlisle open today? (${i})`));
    const ingester = f.newIngester();
    // The first page is read and stored; the second fails with a 503. Then the next cycle's
    // second page loses its connection.
    await f.control('POST', '/_control/faults', { kind: 'status', status: 503, path: SEARCH, skip: 1 });
    const first = await ingester.pollNow();
    t.match(first.error, /503/);
    t.equal(first.stored, 100, 'the first page was stored before the failure');
    await f.control('POST', '/_control/faults', { kind: 'drop', path: SEARCH, skip: 1 });
    const second = await ingester.pollNow();
    t.ok(second.error, 'the dropped connection fails the second cycle');
    const third = await ingester.pollNow();
    t.notOk(third.error);
    t.equal(third.duplicates >= 100, true, 'the cursor had not moved: the first page is read again and recognised');
    t.same(await counts(f), { mentions: 150, replies: 150 }, 'every mention once, every reply once');
    // 150 replies from one account is more than X's 100 per 15 minutes: lift both limits here.
    await f.control('PUT', '/_control/rate-limits', { 'POST /2/tweets': null });
    await f.newDispatcher(roomy).start();
    await waitFor('150 replies on X', async () => (await f.repliesBy(handle)).length === 150, 30_000);
    const replies = await f.repliesBy(handle);
    t.equal(new Set(replies.map((r) => r.inReplyToTweetId)).size, 150, 'one reply per mention');
    t.same(new Set(replies.map((r) => r.inReplyToTweetId)), new Set(asked));
  },
);

void t.test('an ingester stopped mid-way and another taking over: nothing lost, nothing twice', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const handle = await f.handleOf(CUMBRIA);
  const a = f.newIngester({ workerId: 'a' });
  const b = f.newIngester({ workerId: 'b' });
  await a.start();
  await waitFor('a leads', async () => a.leading);
  await b.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(b.leading, false, 'only one instance reads');
  await f.mention(handle, citizen(), `@${handle} open tomorrow?`);
  await waitFor('the first mention read', async () => (await counts(f)).mentions === 1);
  await a.stop();
  await waitFor('b takes over', async () => b.leading);
  const holder = await f.database.db.selectFrom('mention_ingest').select('holder').executeTakeFirstOrThrow();
  t.equal(holder.holder, 'b', 'the takeover is recorded');
  await f.mention(handle, citizen(), `@${handle} you open today?`);
  await waitFor('the second mention read', async () => (await counts(f)).mentions === 2);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.same(await counts(f), { mentions: 2, replies: 2 });
});

void t.test(
  'no reply to the account itself, a repost, someone who said stop, past the throttle, or too old',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    const own = await f.database.db
      .selectFrom('accounts')
      .select('x_user_id')
      .where('id', '=', CUMBRIA)
      .executeTakeFirstOrThrow();
    const db = f.database.db;
    const decision = async (id: string) =>
      db
        .selectFrom('mentions')
        .select(['decision', 'reason', 'inbox_state', 'reply_post_id'])
        .where('x_post_id', '=', id)
        .executeTakeFirstOrThrow();

    const self = await f.mention(handle, { id: own.x_user_id!, username: handle }, `@${handle} is carlisle open?`);
    const original = await f.mention(handle, citizen(), `@${handle} is carlisle open?`);
    const retweet = await f.mention(handle, citizen(), `RT @someone: @${handle} is carlisle open?`, {
      retweet_of: original,
    });
    const repost = await f.mention(handle, citizen(), `@${handle} is carlisle open? asking for a friend`, {
      quote_of: original,
    });
    const quitter = citizen('quitter');
    const stop = await f.mention(handle, quitter, `@${handle} stop replying to me`);
    const chatty = citizen('chatty');
    const chats = [];
    for (let i = 0; i < 4; i++)
      chats.push(await f.mention(handle, chatty, `@${handle} is kendal open today? asking again ${i}`));
    const old = await f.mention(handle, citizen(), `@${handle} is barrow open?`, {
      created_at: new Date(Date.now() - 2 * 3_600_000).toISOString(),
    });
    await f.newIngester({ policy: { maxAgeSeconds: 3600, userReplyLimit: 3, conversationReplyLimit: 2 } }).pollNow();
    t.match(await decision(self), { decision: 'ignored', reason: 'own-account', reply_post_id: null });
    t.match(await decision(original), { decision: 'reply' });
    t.equal(
      await db.selectFrom('mentions').select('x_post_id').where('x_post_id', '=', retweet).executeTakeFirst(),
      undefined,
      'a retweet is not even read (-is:retweet)',
    );
    t.match(await decision(repost), { decision: 'ignored', reason: 'repost', reply_post_id: null });
    t.match(await decision(stop), { decision: 'opted-out', reply_post_id: null });
    t.same(
      (await Promise.all(chats.map(decision))).map((d) => d.decision),
      ['reply', 'reply', 'reply', 'inbox'],
      'the fourth question in an hour goes to a person',
    );
    t.match(await decision(chats[3]!), { reason: 'throttled', inbox_state: 'open' });
    t.match(await decision(old), { decision: 'inbox', reason: 'too-old', inbox_state: 'open' });
    // The quitter asks again: no automatic reply, but a person sees it.
    const again = await f.mention(handle, quitter, `@${handle} is carlisle open today?`);
    await f.newIngester().pollNow();
    t.match(await decision(again), { decision: 'inbox', reason: 'opted-out', reply_post_id: null });
  },
);

void t.test('a loop with another automated account ends at the conversation limit', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const handle = await f.handleOf(CUMBRIA);
  await f.newDispatcher().start();
  const bot = citizen('weatherbot');
  const ingester = f.newIngester({ policy: { maxAgeSeconds: 3600, userReplyLimit: 100, conversationReplyLimit: 2 } });
  let target = await f.mention(handle, bot, `@${handle} is carlisle open today?`);
  for (let round = 0; round < 4; round++) {
    await ingester.pollNow();
    const row = await f.database.db
      .selectFrom('mentions')
      .select('decision')
      .where('x_post_id', '=', target)
      .executeTakeFirstOrThrow();
    if (row.decision !== 'reply') break;
    const reply = await waitFor('our reply', async () =>
      (await f.repliesBy(handle)).find((p) => p.inReplyToTweetId === target),
    );
    // The other bot answers our reply with another question, in the same conversation.
    target = await f.mention(handle, bot, `@${handle} is carlisle open today? (automated check ${round})`, {
      in_reply_to_tweet_id: reply.id,
    });
  }
  const rows = await f.database.db
    .selectFrom('mentions')
    .select(['decision', 'reason'])
    .orderBy('received_at')
    .orderBy('x_post_id')
    .execute();
  t.same(
    rows.map((r) => r.decision),
    ['reply', 'reply', 'inbox'],
    'two automatic replies in the conversation, then a person',
  );
  t.equal(rows[2]?.reason, 'conversation-limit');
});

void t.test("one account's held-back replies never hide another account's", async (t) => {
  const SWWALES = 'district-101';
  const f = await mentionsFixture(t, { accounts: [CUMBRIA, SWWALES] });
  const cumbria = await f.handleOf(CUMBRIA);
  const wales = await f.handleOf(SWWALES);
  await f.database.db.updateTable('accounts').set({ paused: true }).where('id', '=', CUMBRIA).execute();
  for (let i = 0; i < 20; i++) await f.mention(cumbria, citizen(), `@${cumbria} is carlisle open today? (${i})`);
  const welsh = await f.mention(wales, citizen(), `@${wales} is swansea jobcentre open today?`);
  await f.newIngester().pollNow();
  // One post at a time: the oldest twenty queued replies are all the paused account's.
  await f.newDispatcher({ concurrency: 1 }).start();
  await waitFor('the other account replies', async () =>
    (await f.repliesBy(wales)).some((r) => r.inReplyToTweetId === welsh),
  );
  t.equal((await f.repliesBy(cumbria)).length, 0, 'the paused account says nothing');
});

void t.test('a reply held back until its question is too old is not sent: the question goes to a person', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const handle = await f.handleOf(CUMBRIA);
  const id = await f.mention(handle, citizen(), `@${handle} is carlisle open?`, {
    created_at: new Date(Date.now() - 50 * 60_000).toISOString(),
  });
  await f.newIngester().pollNow();
  const queued = await f.database.db
    .selectFrom('mentions')
    .select(['decision', 'reply_post_id'])
    .where('x_post_id', '=', id)
    .executeTakeFirstOrThrow();
  t.equal(queued.decision, 'reply', 'answered when read (50 minutes old, the limit is an hour)');
  // The account's replies were held back; by the time they could go, the limit is 45 minutes.
  await f.newDispatcher({ replyMaxAgeSeconds: 45 * 60 }).start();
  const row = await waitFor('the mention moved to the inbox', async () => {
    const r = await f.database.db
      .selectFrom('mentions')
      .select(['decision', 'reason', 'inbox_state'])
      .where('x_post_id', '=', id)
      .executeTakeFirstOrThrow();
    return r.decision === 'inbox' && r;
  });
  t.same(row, { decision: 'inbox', reason: 'too-old', inbox_state: 'open' });
  const post = await f.database.db
    .selectFrom('fanout_posts')
    .select(['state', 'last_error'])
    .where('id', '=', queued.reply_post_id!)
    .executeTakeFirstOrThrow();
  t.equal(post.state, 'superseded');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal((await f.repliesBy(handle)).length, 0, 'nothing said on X');
});

void t.test('"stop" cancels a reply to the same person not yet sent', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const handle = await f.handleOf(CUMBRIA);
  const person = citizen('changed_mind');
  const ingester = f.newIngester();
  const question = await f.mention(handle, person, `@${handle} is carlisle open today?`);
  await ingester.pollNow();
  await f.mention(handle, person, `@${handle} stop replying to me please`);
  await ingester.pollNow();
  const row = await f.database.db
    .selectFrom('mentions')
    .select(['decision', 'reason', 'inbox_state'])
    .where('x_post_id', '=', question)
    .executeTakeFirstOrThrow();
  t.same(
    row,
    { decision: 'inbox', reason: 'opted-out', inbox_state: 'open' },
    'the question waits for a person instead',
  );
  await f.newDispatcher().start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal((await f.repliesBy(handle)).length, 0, 'no automatic reply after "stop"');
});
