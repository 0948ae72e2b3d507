// The X Activity API webhook: the CRC answer, signatures checked over the raw body before
// anything is read or stored, mentions fed to the same pipeline as the poller (stored
// once, answered once, however often and however they arrive), other events acknowledged.
import { createHmac } from 'node:crypto';
import { buildApp } from '@jcp/api';
import { EMULATOR_APP } from '@jcp/worker';
import { sql } from 'kysely';
import t from 'tap';
import { apiFixture, migrations } from '../api/fixture.js';
import { CUMBRIA, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture, type Citizen } from './fixture.js';

const SECRET = EMULATOR_APP.appSecret;
const URL = '/webhooks/x';

/** Computed here, not with the app's helper: the test checks the app against X's rule. */
const sign = (body: string, secret: string = SECRET) => `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('base64')}`;

type Fixture = Awaited<ReturnType<typeof mentionsFixture>>;

let nextPost = 1_880_000_000_000_000_001n;
/** A fresh X post id, above the emulator's. */
function postId(): string {
  nextPost += 1n;
  return nextPost.toString();
}

/** One post.mention.create event, as the X Activity API sends it. */
function mentionEvent(to: { userId: string | null; handle: string }, from: Citizen, text: string, id = postId()) {
  const at = text.indexOf(`@${to.handle}`);
  return {
    event_uuid: `uuid-${id}`,
    ...(to.userId ? { filter: { user_id: to.userId } } : {}),
    event_type: 'post.mention.create',
    tag: 'jcp mentions',
    payload: {
      id,
      text,
      author_id: from.id,
      created_at: new Date().toISOString(),
      conversation_id: id,
      edit_history_tweet_ids: [id],
      entities: at < 0 ? {} : { mentions: [{ start: at, end: at + to.handle.length + 1, username: to.handle, id: to.userId ?? '1' }] },
    },
    includes: { users: [{ id: from.id, username: from.username, name: from.username }] },
  };
}

async function deliver(f: { app: Fixture['app'] }, body: string, signature: string | null = sign(body), contentType = 'application/json') {
  return f.app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': contentType, ...(signature === null ? {} : { 'x-twitter-webhooks-signature': signature }) },
    payload: body,
  });
}

async function account(f: Fixture) {
  const row = await f.database.db.selectFrom('clusters').select(['handle', 'x_user_id']).where('id', '=', CUMBRIA).executeTakeFirstOrThrow();
  return { handle: row.handle, userId: row.x_user_id! };
}

const counts = async (f: Fixture) => ({
  mentions: (await f.database.db.selectFrom('mentions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n,
  replies: (await f.database.db.selectFrom('fanout_posts').select((eb) => eb.fn.countAll<string>().as('n')).where('kind', '=', 'reply').executeTakeFirstOrThrow()).n,
});

// Each test sets up a database of its own (the register imported), so related checks share one.

void t.test('the CRC challenge is answered with sha256= and the base64 HMAC-SHA256 of the token under the app secret; a signed mention is stored once and answered once', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const token = 'crc-Zm9vYmFyLWNoYWxsZW5nZQ==';
  const crc = await f.app.inject({ method: 'GET', url: `${URL}?crc_token=${encodeURIComponent(token)}&nonce=abc` });
  t.equal(crc.statusCode, 200);
  t.match(crc.headers['content-type'], /^application\/json/);
  t.equal(crc.headers['cache-control'], 'no-store');
  t.same(crc.json(), { response_token: `sha256=${createHmac('sha256', SECRET).update(token).digest('base64')}` });
  for (const url of [URL, `${URL}?crc_token=`]) {
    const missing = await f.app.inject({ method: 'GET', url });
    t.equal(missing.statusCode, 400, `${url}: 400`);
    t.match(missing.headers['content-type'], /^application\/problem\+json/);
    t.equal(missing.json().status, 400);
  }

  // A signed mention: stored (redacted, source webhook, the account X names), and a status question gets a reply queued.
  const to = await account(f);
  const asker = citizen('webhook_wendy');
  const event = mentionEvent(to, asker, `@${to.handle} is carlisle jobcentre open today? email me at wendy@example.com`);
  const body = JSON.stringify({ data: event });
  const res = await deliver(f, body);
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
  const row = await f.database.db.selectFrom('mentions').selectAll().where('x_post_id', '=', event.payload.id).executeTakeFirstOrThrow();
  t.equal(row.source, 'webhook');
  t.equal(row.cluster_id, CUMBRIA);
  t.equal(row.author_id, asker.id);
  t.equal(row.author_username, 'webhook_wendy');
  t.notMatch(row.text, /wendy@example\.com/, 'the email address is not stored');
  t.match(row.text, /\[email\]/);
  t.same(row.redacted, ['email']);
  t.equal(row.decision, 'reply');
  const reply = await f.database.db.selectFrom('fanout_posts').selectAll().where('in_reply_to_x_id', '=', event.payload.id).executeTakeFirstOrThrow();
  t.equal(reply.kind, 'reply');
  t.equal(reply.cluster_id, CUMBRIA);
  t.equal(reply.state, 'queued');
  t.equal(String(row.reply_post_id), String(reply.id));

  // X delivers again (a retry, or twice by design): one row, one reply.
  const again = await deliver(f, body);
  t.equal(again.statusCode, 200);
  t.same(again.json(), { received: 1, stored: 0, duplicates: 1, ignored: 0 });
  t.same(await counts(f), { mentions: '1', replies: '1' });
});

void t.test('a missing or wrong signature is a 401 problem and nothing is stored; bad JSON under a good signature is a 400; other events are ignored; a database failure is not acknowledged', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const to = await account(f);
  const body = JSON.stringify({ data: mentionEvent(to, citizen(), `@${to.handle} are you open?`) });
  const other = JSON.stringify({ data: mentionEvent(to, citizen(), `@${to.handle} are you open today?`) });
  const cases: [string, Promise<Awaited<ReturnType<typeof deliver>>>][] = [
    ['no signature', deliver(f, body, null)],
    ['signed with another secret', deliver(f, body, sign(body, 'not-the-app-secret'))],
    ['a signature over a different body', deliver(f, body, sign(other))],
    ['the signature without its sha256= prefix', deliver(f, body, sign(body).slice('sha256='.length))],
    ['a signature of the wrong length', deliver(f, body, `${sign(body)}=`)],
    ['no body at all', f.app.inject({ method: 'POST', url: URL })],
  ];
  for (const [what, pending] of cases) {
    const res = await pending;
    t.equal(res.statusCode, 401, `${what}: 401`);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`);
    t.equal(res.json().status, 401);
  }
  const plain = await deliver(f, body, sign(body), 'text/plain');
  t.equal(plain.statusCode, 415, 'only application/json is read');
  t.match(plain.headers['content-type'], /^application\/problem\+json/);
  t.same(await counts(f), { mentions: '0', replies: '0' }, 'nothing stored');

  for (const bad of ['{"data": {', '']) {
    const res = await deliver(f, bad);
    t.equal(res.statusCode, 400, `bad JSON ${JSON.stringify(bad)}, signed: 400`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
  }
  const wrongShape = JSON.stringify({ data: 'nope' });
  t.equal((await deliver(f, wrongShape)).statusCode, 400, 'an envelope of the wrong shape, signed: 400');
  t.same(await counts(f), { mentions: '0', replies: '0' });

  // Other event types, malformed mentions and mentions of accounts not ours are acknowledged and ignored; a batch is taken whole.
  const follow = { event_uuid: 'u-follow', filter: { user_id: to.userId }, event_type: 'follow.follow', payload: { source: { id: '5' }, target: { id: to.userId } } };
  const onlyFollow = JSON.stringify({ data: follow });
  const ignored = await deliver(f, onlyFollow);
  t.equal(ignored.statusCode, 200);
  t.same(ignored.json(), { received: 1, stored: 0, duplicates: 0, ignored: 1 });

  const stranger = mentionEvent({ userId: '42', handle: 'someone_else' }, citizen(), '@someone_else is carlisle open?');
  const malformed = { ...mentionEvent(to, citizen(), `@${to.handle} hi`), payload: { text: 'no id' } };
  // No filter: addressed by the handle it mentions, as the poller does.
  const byHandle = mentionEvent({ userId: null, handle: to.handle }, citizen(), `@${to.handle} is carlisle open today?`);
  const twice = mentionEvent(to, citizen(), `@${to.handle} open tomorrow?`);
  // A post without its author cannot be answered, throttled or told from our own.
  const full = mentionEvent(to, citizen(), `@${to.handle} is kendal open?`);
  const anonymous = { ...full, payload: Object.fromEntries(Object.entries(full.payload).filter(([key]) => key !== 'author_id')) };
  const batch = JSON.stringify({ data: [follow, stranger, malformed, anonymous, byHandle, twice, twice] });
  const mixed = await deliver(f, batch);
  t.equal(mixed.statusCode, 200, mixed.body);
  t.same(mixed.json(), { received: 7, stored: 2, duplicates: 1, ignored: 4 });
  const rows = await f.database.db.selectFrom('mentions').select(['x_post_id', 'cluster_id']).orderBy('x_post_id').execute();
  t.same(rows, [{ x_post_id: byHandle.payload.id, cluster_id: CUMBRIA }, { x_post_id: twice.payload.id, cluster_id: CUMBRIA }].sort((a, b) => (a.x_post_id < b.x_post_id ? -1 : 1)));
  t.equal((await deliver(f, JSON.stringify({}))).json().received, 0, 'an empty envelope is fine');

  // A database failure is not acknowledged: X must deliver again, and the retry is stored.
  const retry = JSON.stringify({ data: mentionEvent(to, citizen(), `@${to.handle} is carlisle open?`) });
  await sql`alter table mentions rename to mentions_away`.execute(f.database.db);
  const failed = await deliver(f, retry);
  t.ok(failed.statusCode >= 500, `a ${failed.statusCode}, not a 200`);
  t.match(failed.headers['content-type'], /^application\/problem\+json/);
  await sql`alter table mentions_away rename to mentions`.execute(f.database.db);
  const retried = await deliver(f, retry);
  t.same(retried.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
});

void t.test('public for X even when reads need a token, never rate limited, and 503 when not configured', async (t) => {
  const f = await apiFixture(t, { readAccess: 'token', rateLimit: { max: 1, windowMs: 60_000 }, mentions: { appSecret: SECRET } });
  for (let i = 0; i < 3; i++) {
    const res = await f.app.inject({ method: 'GET', url: `${URL}?crc_token=t${i}` });
    t.equal(res.statusCode, 200, `CRC ${i + 1}: no token, no 429`);
  }
  const body = JSON.stringify({ data: { event_type: 'follow.follow', payload: {} } });
  for (let i = 0; i < 3; i++) t.equal((await deliver(f, body)).statusCode, 200, `delivery ${i + 1}`);
  t.equal((await f.app.inject({ method: 'GET', url: '/offices' })).statusCode, 401, 'other reads still need a token');

  // Without an X app secret the webhook answers 503 problem+json (another app on the same database).
  const unconfigured = await buildApp({ database: f.database, migrations });
  t.teardown(() => unconfigured.close());
  const crc = await unconfigured.inject({ method: 'GET', url: `${URL}?crc_token=abc` });
  t.equal(crc.statusCode, 503);
  t.match(crc.headers['content-type'], /^application\/problem\+json/);
  t.match(crc.json().type, /webhook-not-configured$/);
  const post = await deliver({ app: unconfigured }, JSON.stringify({ data: {} }));
  t.equal(post.statusCode, 503);
  t.match(post.json().type, /webhook-not-configured$/);
  await t.rejects(buildApp({ database: f.database, migrations, mentions: { appSecret: '' } }), /must not be empty/, 'an empty secret is refused at start');
});

void t.test('the same mention read by the poller and delivered by the webhook gets one reply on X', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const to = await account(f);
  await f.newDispatcher().start();
  const asker = citizen('both_ways_bo');
  const text = `@${to.handle} is carlisle jobcentre open today?`;
  const id = await f.mention(to.handle, asker, text);
  const cycle = await f.newIngester().pollNow();
  t.equal(cycle.stored, 1, 'the poller read it first');
  const body = JSON.stringify({ data: mentionEvent(to, asker, text, id) });
  const res = await deliver(f, body);
  t.same(res.json(), { received: 1, stored: 0, duplicates: 1, ignored: 0 }, 'the webhook sees a duplicate');
  await waitFor('the reply', async () => (await f.repliesBy(to.handle)).length === 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const replies = await f.repliesBy(to.handle);
  t.equal(replies.length, 1, 'one reply on X');
  t.equal(replies[0]!.inReplyToTweetId, id);
  const row = await f.database.db.selectFrom('mentions').select('source').where('x_post_id', '=', id).executeTakeFirstOrThrow();
  t.equal(row.source, 'poll', 'stored by whoever came first');

  // And the other way round: the webhook first, then the poller.
  const hal = citizen('hook_first_hal');
  const second = await f.mention(to.handle, hal, `@${to.handle} are you open tomorrow?`);
  const hooked = await deliver(f, JSON.stringify({ data: mentionEvent(to, hal, `@${to.handle} are you open tomorrow?`, second) }));
  t.same(hooked.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
  const polled = await f.newIngester().pollNow();
  t.equal(polled.stored, 0);
  await waitFor('the second reply', async () => (await f.repliesBy(to.handle)).filter((p) => p.inReplyToTweetId === second).length === 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal((await f.repliesBy(to.handle)).length, 2, 'one reply each');
});
