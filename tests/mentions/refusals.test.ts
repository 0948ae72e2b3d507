// X refusing a reply to a citizen (the question deleted before the answer went, or asked in a
// conversation whose author restricted replies) fails that reply only: the account is not
// paused, managers see the reply failed and why, and the account's next status change is posted.
// Real worker pieces (ingester, dispatcher), the real client, the emulator over HTTP.
import t, { type Test } from 'tap';
import { CARLISLE, CUMBRIA, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from './fixture.js';

const SWWALES = 'district-101';

type Fixture = Awaited<ReturnType<typeof mentionsFixture>>;

/** The reply queued for a mention, once its outcome is recorded (not queued). */
const settledReply = (f: Fixture, mentionId: string) =>
  waitFor('the reply settled', async () => {
    const row = await f.database.db
      .selectFrom('mentions as m')
      .innerJoin('fanout_posts as p', 'p.id', 'm.reply_post_id')
      .select(['p.id', 'p.state', 'p.last_error', 'p.attempts'])
      .where('m.x_post_id', '=', mentionId)
      .executeTakeFirst();
    return row !== undefined && row.state !== 'queued' && row;
  });

/** The reply as managers see it: the account's posts (failed ones) and the mention's audit. */
async function asManagersSeeIt(t: Test, f: Fixture, mentionId: string, replyId: string, reason: RegExp) {
  const failed = await f.app.inject({ url: `/accounts/${CUMBRIA}/posts?state=failed`, headers: f.bearer(f.cumbria) });
  t.equal(failed.statusCode, 200);
  t.match(
    failed.json<{ posts: unknown[] }>().posts,
    [{ id: replyId, kind: 'reply', state: 'failed', lastError: reason }],
    "GET /accounts/{id}/posts: failed, with X's reason",
  );
  const mention = await f.app.inject({ url: `/mentions/${mentionId}`, headers: f.bearer(f.cumbria) });
  t.equal(mention.statusCode, 200);
  t.match(
    mention.json(),
    { decision: 'reply', reply: { postId: replyId, state: 'failed', lastError: reason } },
    'GET /mentions/{id}: the same',
  );
}

async function notPaused(t: Test, f: Fixture) {
  const account = await f.database.db
    .selectFrom('accounts')
    .select(['paused', 'paused_reason'])
    .where('id', '=', CUMBRIA)
    .executeTakeFirstOrThrow();
  t.same(account, { paused: false, paused_reason: null }, 'the account is not paused');
  const audit = await f.database.db
    .selectFrom('audit_log')
    .select('id')
    .where('action', '=', 'account.paused')
    .execute();
  t.equal(audit.length, 0, 'nothing paused at all');
}

void t.test(
  'a citizen deletes the question before the reply goes: the reply fails with the reason, the account is not paused and posts its next change',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const cumbria = await f.handleOf(CUMBRIA);
    await f.notice({ offices: [CARLISLE], status: 'closed', cause: 'weather' });
    const question = await f.mention(cumbria, citizen('deleter'), `@${cumbria} is carlisle jobcentre open today?`);
    t.equal((await f.newIngester().pollNow()).replies, 1, 'a reply queued');
    await f.control('DELETE', `/_control/posts/${question}`);
    await f.newDispatcher().start();
    const reply = await settledReply(f, question);
    t.equal(reply.state, 'failed');
    t.equal(
      reply.last_error,
      'X refused this post: forbidden (HTTP 403): You attempted to reply to a Tweet that is deleted or not visible to you.',
    );
    // Once (twice if a slow machine lost an answer): a refusal is final, never a loop.
    t.ok(reply.attempts <= 2, 'tried once');
    t.equal((await f.repliesBy(cumbria)).length, 0, 'no reply on X');
    await notPaused(t, f);
    await asManagersSeeIt(t, f, question, String(reply.id), /deleted or not visible/);
    await waitFor('the closure posted', async () =>
      (await f.posts(cumbria)).some((p) => /Carlisle is closed/.test(p.text)),
    );
    await f.notice({ offices: [CARLISLE], status: 'open' });
    await waitFor('the reopening posted by the account', async () =>
      (await f.posts(cumbria)).some((p) => /Carlisle is open again/.test(p.text)),
    );

    // The next question, not deleted, is answered.
    const next = await f.mention(cumbria, citizen(), `@${cumbria} is carlisle open now?`);
    await f.newIngester().pollNow();
    await waitFor('the next reply', async () => (await f.repliesBy(cumbria)).some((p) => p.inReplyToTweetId === next));
  },
);

void t.test(
  'a question asked in a conversation whose author restricted replies: the reply fails with the reason, the account is not paused and posts its next change',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA, SWWALES] });
    const cumbria = await f.handleOf(CUMBRIA);
    const wales = await f.handleOf(SWWALES);
    await f.notice({ offices: [CARLISLE], status: 'closed', cause: 'weather' });
    const asker = citizen('asker');
    // Someone starts a conversation only those they mention may reply to; the asker is one.
    const root = await f.mention(wales, citizen('starter'), `@${wales} @${asker.username} the snow is deep here`, {
      reply_settings: 'mentionedUsers',
    });
    const question = await f.mention(cumbria, asker, `@${cumbria} is carlisle jobcentre open today?`, {
      in_reply_to_tweet_id: root,
    });
    await f.newIngester().pollNow();
    await f.newDispatcher().start();
    const reply = await settledReply(f, question);
    t.equal(reply.state, 'failed');
    t.equal(
      reply.last_error,
      'X refused this post: forbidden (HTTP 403): Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.',
    );
    t.ok(reply.attempts <= 2, 'tried once');
    await notPaused(t, f);
    await asManagersSeeIt(t, f, question, String(reply.id), /Reply to this conversation is not allowed/);
    await waitFor('the closure posted', async () =>
      (await f.posts(cumbria)).some((p) => /Carlisle is closed/.test(p.text)),
    );
    await f.notice({ offices: [CARLISLE], status: 'open' });
    await waitFor('the reopening posted by the account', async () =>
      (await f.posts(cumbria)).some((p) => /Carlisle is open again/.test(p.text)),
    );
  },
);

void t.test('many refused replies in a burst ask X about the credentials once, not once each', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const cumbria = await f.handleOf(CUMBRIA);
  const questions: string[] = [];
  for (let i = 0; i < 6; i++)
    questions.push(await f.mention(cumbria, citizen(), `@${cumbria} is carlisle open today?`));
  await f.newIngester().pollNow();
  for (const id of questions) await f.control('DELETE', `/_control/posts/${id}`);
  // Counts the calls to GET /2/users/me: a fault that changes nothing, for up to 100 of them.
  await f.control('POST', '/_control/faults', { kind: 'delay', delayMs: 0, path: '/2/users/me', count: 100 });
  await f.newDispatcher().start();
  for (const id of questions) t.equal((await settledReply(f, id)).state, 'failed');
  const { faults } = (await f.control('GET', '/_control/faults')) as { faults: { remaining: number }[] };
  t.equal(100 - faults[0]!.remaining, 1, 'GET /2/users/me once');
  await notPaused(t, f);
});
