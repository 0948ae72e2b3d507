// The X Activity API webhook: the CRC answer, signatures checked over the raw body before
// anything is read or stored, mentions fed to the same pipeline as the poller (stored
// once, answered once, however often and however they arrive), other events acknowledged.
import { createHmac, randomBytes } from 'node:crypto';
import { buildApp, CRC_RATE_LIMIT, isCrcToken, isJsonObjectText } from '@jcp/api';
import { DEFAULT_MENTION_POLICY, postIdAt, postIdTime } from '@jcp/domain';
import { EMULATOR_APP } from '@jcp/use-cases';
import fc from 'fast-check';
import { sql } from 'kysely';
import t from 'tap';
import { apiFixture, migrations } from '../api/fixture.js';
import { CUMBRIA, waitFor } from '../fanout/fixture.js';
import { captureLogger, citizen, mentionsFixture, type Citizen } from './fixture.js';

const SECRET = EMULATOR_APP.appSecret;
const URL = '/webhooks/x';

/** Computed here, not with the app's helper: the test checks the app against X's rule. */
const sign = (body: string, secret: string = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('base64')}`;

type Fixture = Awaited<ReturnType<typeof mentionsFixture>>;

let sequence = 0n;
/**
 * A fresh X post id made `agoMs` before now. X ids carry their time (a snowflake), and a
 * mention is never younger than its id; the low 22 bits (a sequence at X) are set from
 * 2,000,000 up, apart from the emulator's ids, which start each millisecond at 0.
 */
function postId(agoMs = 0): string {
  sequence += 1n;
  return (BigInt(postIdAt(new Date(Date.now() - agoMs))) + 2_000_000n + sequence).toString();
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
      entities:
        at < 0
          ? {}
          : { mentions: [{ start: at, end: at + to.handle.length + 1, username: to.handle, id: to.userId ?? '1' }] },
    },
    includes: { users: [{ id: from.id, username: from.username, name: from.username }] },
  };
}

async function deliver(
  f: { app: Fixture['app'] },
  body: string,
  signature: string | null = sign(body),
  contentType = 'application/json',
) {
  return f.app.inject({
    method: 'POST',
    url: URL,
    headers: {
      'content-type': contentType,
      ...(signature === null ? {} : { 'x-twitter-webhooks-signature': signature }),
    },
    payload: body,
  });
}

async function account(f: Fixture) {
  const row = await f.database.db
    .selectFrom('accounts')
    .select(['handle', 'x_user_id'])
    .where('id', '=', CUMBRIA)
    .executeTakeFirstOrThrow();
  return { handle: row.handle, userId: row.x_user_id! };
}

const counts = async (f: Fixture) => ({
  mentions: (
    await f.database.db
      .selectFrom('mentions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
  ).n,
  replies: (
    await f.database.db
      .selectFrom('fanout_posts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'reply')
      .executeTakeFirstOrThrow()
  ).n,
});

/** A CRC token as X sent one (base64 of a random UUID, 48 characters). */
const REAL_TOKEN = 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0';

// Each test sets up a database of its own (the register imported), so related checks share one.

void t.test(
  'the CRC challenge is answered with sha256= and the base64 HMAC-SHA256 of the token under the app secret; a signed mention is stored once and answered once',
  async (t) => {
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
    const event = mentionEvent(
      to,
      asker,
      `@${to.handle} is carlisle jobcentre open today? email me at wendy@example.com`,
    );
    const body = JSON.stringify({ data: event });
    const res = await deliver(f, body);
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
    const row = await f.database.db
      .selectFrom('mentions')
      .selectAll()
      .where('x_post_id', '=', event.payload.id)
      .executeTakeFirstOrThrow();
    t.equal(row.source, 'webhook');
    t.equal(row.account_id, CUMBRIA);
    t.equal(row.author_id, asker.id);
    t.equal(row.author_username, 'webhook_wendy');
    t.notMatch(row.text, /wendy@example\.com/, 'the email address is not stored');
    t.match(row.text, /\[email\]/);
    t.same(row.redacted, ['email']);
    t.equal(row.decision, 'reply');
    const reply = await f.database.db
      .selectFrom('fanout_posts')
      .selectAll()
      .where('in_reply_to_x_id', '=', event.payload.id)
      .executeTakeFirstOrThrow();
    t.equal(reply.kind, 'reply');
    t.equal(reply.account_id, CUMBRIA);
    t.equal(reply.state, 'queued');
    t.equal(String(row.reply_post_id), String(reply.id));

    // X delivers again (a retry, or twice by design): one row, one reply.
    const again = await deliver(f, body);
    t.equal(again.statusCode, 200);
    t.same(again.json(), { received: 1, stored: 0, duplicates: 1, ignored: 0 });
    t.same(await counts(f), { mentions: '1', replies: '1' });
  },
);

void t.test(
  'a missing or wrong signature is a 401 problem and nothing is stored; bad JSON under a good signature is a 400; other events are ignored; a database failure is not acknowledged',
  async (t) => {
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
    const follow = {
      event_uuid: 'u-follow',
      filter: { user_id: to.userId },
      event_type: 'follow.follow',
      payload: { source: { id: '5' }, target: { id: to.userId } },
    };
    const onlyFollow = JSON.stringify({ data: follow });
    const ignored = await deliver(f, onlyFollow);
    t.equal(ignored.statusCode, 200);
    t.same(ignored.json(), { received: 1, stored: 0, duplicates: 0, ignored: 1 });

    const stranger = mentionEvent(
      { userId: '42', handle: 'someone_else' },
      citizen(),
      '@someone_else is carlisle open?',
    );
    const malformed = { ...mentionEvent(to, citizen(), `@${to.handle} hi`), payload: { text: 'no id' } };
    // No filter: addressed by the handle it mentions, as the poller does.
    const byHandle = mentionEvent(
      { userId: null, handle: to.handle },
      citizen(),
      `@${to.handle} is carlisle open today?`,
    );
    const twice = mentionEvent(to, citizen(), `@${to.handle} open tomorrow?`);
    // A post without its author cannot be answered, throttled or told from our own.
    const full = mentionEvent(to, citizen(), `@${to.handle} is kendal open?`);
    const anonymous = {
      ...full,
      payload: Object.fromEntries(Object.entries(full.payload).filter(([key]) => key !== 'author_id')),
    };
    const batch = JSON.stringify({ data: [follow, stranger, malformed, anonymous, byHandle, twice, twice] });
    const mixed = await deliver(f, batch);
    t.equal(mixed.statusCode, 200, mixed.body);
    t.same(mixed.json(), { received: 7, stored: 2, duplicates: 1, ignored: 4 });
    const rows = await f.database.db
      .selectFrom('mentions')
      .select(['x_post_id', 'account_id'])
      .orderBy('x_post_id')
      .execute();
    t.same(
      rows,
      [
        { x_post_id: byHandle.payload.id, account_id: CUMBRIA },
        { x_post_id: twice.payload.id, account_id: CUMBRIA },
      ].sort((a, b) => (a.x_post_id < b.x_post_id ? -1 : 1)),
    );
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
  },
);

void t.test(
  'public for X even when reads need a token; deliveries never rate limited, the CRC on a budget of its own per address; 503 when not configured',
  async (t) => {
    const f = await apiFixture(t, {
      readAccess: 'token',
      rateLimit: { max: 1, windowMs: 60_000 },
      mentions: { appSecret: SECRET },
    });
    const crc = (i: number, remoteAddress = '203.0.113.7') =>
      f.app.inject({
        method: 'GET',
        url: `${URL}?crc_token=${REAL_TOKEN.slice(0, -2)}${String(i).padStart(2, '0')}`,
        remoteAddress,
      });
    t.same(CRC_RATE_LIMIT, { max: 5, windowMs: 60_000 }, 'a few a minute: X calls it on registration and about hourly');
    for (let i = 0; i < CRC_RATE_LIMIT.max; i++)
      t.equal((await crc(i)).statusCode, 200, `CRC ${i + 1}: no token, not counted against the app-wide limit of 1`);
    const refused = await crc(99);
    t.equal(refused.statusCode, 429, 'past its own budget: 429');
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.match(refused.json(), { status: 429, detail: /at most 5 per 1 minute\(s\) for each address/ });
    t.ok(Number(refused.headers['retry-after']) > 0, 'with Retry-After');
    t.equal(refused.json().response_token, undefined, 'and no answer');
    t.equal(
      (await f.app.inject({ method: 'HEAD', url: `${URL}?crc_token=${REAL_TOKEN}`, remoteAddress: '203.0.113.7' }))
        .statusCode,
      429,
      'HEAD shares the budget of GET',
    );
    t.equal(
      (await crc(1, '198.51.100.20')).statusCode,
      200,
      'another address has its own budget (X is not starved by a stranger)',
    );
    const body = JSON.stringify({ data: { event_type: 'follow.follow', payload: {} } });
    for (let i = 0; i < 8; i++) t.equal((await deliver(f, body)).statusCode, 200, `delivery ${i + 1}: never limited`);
    t.equal((await f.app.inject({ method: 'GET', url: '/offices' })).statusCode, 401, 'other reads still need a token');

    // The CRC budget holds with the app-wide limit off too, and can be set.
    const unlimited = await buildApp({
      database: f.database,
      migrations,
      mentions: { appSecret: SECRET, crcRateLimit: { max: 2, windowMs: 60_000 } },
      privacy: { optOutKey: f.optOutKey },
    });
    t.teardown(() => unlimited.close());
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await unlimited.inject({ method: 'GET', url: `${URL}?crc_token=${REAL_TOKEN}` })).statusCode);
    t.same(statuses, [200, 200, 429, 429], 'no app-wide limit: the CRC is still limited');
    await t.rejects(
      buildApp({
        database: f.database,
        migrations,
        mentions: { appSecret: SECRET, crcRateLimit: { max: 0, windowMs: 60_000 } },
        privacy: { optOutKey: f.optOutKey },
      }),
      /never unlimited/,
      'a CRC without a limit is refused at start',
    );

    // Without an X app secret the webhook answers 503 problem+json (another app on the same database).
    const unconfigured = await buildApp({ database: f.database, migrations });
    t.teardown(() => unconfigured.close());
    const crcUnconfigured = await unconfigured.inject({ method: 'GET', url: `${URL}?crc_token=${REAL_TOKEN}` });
    t.equal(crcUnconfigured.statusCode, 503);
    t.match(crcUnconfigured.headers['content-type'], /^application\/problem\+json/);
    t.match(crcUnconfigured.json().type, /webhook-not-configured$/);
    const post = await deliver({ app: unconfigured }, JSON.stringify({ data: {} }));
    t.equal(post.statusCode, 503);
    t.match(post.json().type, /webhook-not-configured$/);
    await t.rejects(
      buildApp({ database: f.database, migrations, mentions: { appSecret: '' } }),
      /must not be empty/,
      'an empty secret is refused at start',
    );
  },
);

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
  const row = await f.database.db
    .selectFrom('mentions')
    .select('source')
    .where('x_post_id', '=', id)
    .executeTakeFirstOrThrow();
  t.equal(row.source, 'poll', 'stored by whoever came first');

  // And the other way round: the webhook first, then the poller.
  const hal = citizen('hook_first_hal');
  const second = await f.mention(to.handle, hal, `@${to.handle} are you open tomorrow?`);
  const hooked = await deliver(
    f,
    JSON.stringify({ data: mentionEvent(to, hal, `@${to.handle} are you open tomorrow?`, second) }),
  );
  t.same(hooked.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
  const polled = await f.newIngester().pollNow();
  t.equal(polled.stored, 0);
  await waitFor(
    'the second reply',
    async () => (await f.repliesBy(to.handle)).filter((p) => p.inReplyToTweetId === second).length === 1,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal((await f.repliesBy(to.handle)).length, 2, 'one reply each');
});

/** A status question from `from` posted on the emulator (so a reply to it could be posted), as the event X would deliver. */
async function questionOnX(f: Fixture, to: { userId: string; handle: string }, from: Citizen) {
  const text = `@${to.handle} is carlisle jobcentre open today?`;
  return mentionEvent(to, from, text, await f.mention(to.handle, from, text));
}

const crcOf = (app: Fixture['app'], token: string) =>
  app.inject({ method: 'GET', url: `${URL}?crc_token=${encodeURIComponent(token)}` });

void t.test(
  'the CRC answers only tokens of the shape X sends; anything else is a 400 problem and no answer',
  async (t) => {
    const f = await apiFixture(t, { mentions: { appSecret: SECRET, crcRateLimit: { max: 1_000, windowMs: 60_000 } } });
    const answered = [
      REAL_TOKEN,
      'Zm9vYmFyLWNoYWxsZW5nZQ==',
      'crc-Zm9vYmFyLWNoYWxsZW5nZQ',
      'a+b/c+d/e+f/g+h/i+j=',
      'MTc2OTUxODI5MjkxNA_-',
      'A'.repeat(16),
      'A'.repeat(128) + '==',
    ];
    for (const token of answered) {
      const res = await crcOf(f.app, token);
      t.equal(res.statusCode, 200, `${token.slice(0, 30)}: answered`);
      t.same(res.json(), { response_token: `sha256=${createHmac('sha256', SECRET).update(token).digest('base64')}` });
    }
    const refused: [string, string][] = [
      [
        JSON.stringify({
          data: { event_type: 'post.mention.create', payload: { id: '1', text: 'hi', author_id: '2' } },
        }),
        'a JSON delivery',
      ],
      ['{"a":1234567890123}', 'a small JSON object'],
      ['["abcdefghijklmnopq"]', 'a JSON array'],
      ['"abcdefghijklmnopq"', 'a JSON string'],
      ['abcdefgh ijklmnopq', 'a space'],
      ['abcdefghijklmnopq\n', 'a line break'],
      ['A'.repeat(15), 'too short'],
      ['A'.repeat(129), 'too long'],
      ['A'.repeat(20) + '===', 'three = of padding'],
      ['AAAA=AAAAAAAAAAAAAAA', 'padding in the middle'],
      ['abcdefghijklmnopq.rs', 'a dot'],
      ['abcdefghijklmnopqrsé', 'a non-ASCII letter'],
      ['abcdefghijklmnop\u0000', 'a NUL'],
    ];
    for (const [token, what] of refused) {
      const res = await crcOf(f.app, token);
      t.equal(res.statusCode, 400, `${what}: 400`);
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`);
      t.equal(res.json().response_token, undefined, `${what}: no answer`);
    }
    const twice = await f.app.inject({ method: 'GET', url: `${URL}?crc_token=${REAL_TOKEN}&crc_token=${REAL_TOKEN}` });
    t.equal(twice.statusCode, 400, 'a token given twice: 400');
  },
);

void t.test(
  'a forged delivery signed through the CRC (issue 11, item 1) is refused: nothing stored, nothing said on X',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const to = await account(f);
    await f.newDispatcher().start();
    // Exactly the attack: a real post.mention.create delivery, a status question on X (so a reply could be posted), as X would send it.
    const forged = JSON.stringify({ data: await questionOnX(f, to, citizen('forger')) });
    const crc = await crcOf(f.app, forged);
    t.equal(crc.statusCode, 400, 'the CRC refuses to sign a delivery');
    t.match(crc.headers['content-type'], /^application\/problem\+json/);
    t.equal(crc.json().response_token, undefined, 'no signature is given');
    // Whatever the CRC answered is tried, else an invented signature: both refused.
    const signatures = [String(crc.json().response_token), `sha256=${randomBytes(32).toString('base64')}`];
    for (const signature of signatures) {
      const res = await deliver(f, forged, signature);
      t.equal(res.statusCode, 401, `the forged delivery with ${signature.slice(0, 12)}…: 401`);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
    }
    t.same(await counts(f), { mentions: '0', replies: '0' }, 'nothing stored, no reply queued');
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.same(await f.posts(to.handle), [], 'the official account said nothing on X');
  },
);

void t.test(
  'what the CRC signs and what the webhook takes as signed never meet: no JSON object has the token shape, and a body of the token shape is never a delivery',
  async (t) => {
    // Generated: every JSON text, with and without white space around it.
    const space = fc.stringMatching(/^[ \t\n\r]{0,3}$/);
    fc.assert(
      fc.property(fc.jsonValue(), space, space, fc.boolean(), (value, before, after, pretty) => {
        const text = `${before}${JSON.stringify(value, null, pretty ? 2 : undefined) ?? 'null'}${after}`;
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        if (isObject && isCrcToken(text)) return false;
        if (isObject !== isJsonObjectText(text)) return false;
        // Whatever JSON the CRC would answer for is not a delivery.
        return !(isCrcToken(text) && isJsonObjectText(text));
      }),
      { numRuns: 5000, seed: 20261203 },
    );
    t.pass('5000 generated JSON texts');
    // And any string at all the CRC would answer for is never taken as a delivery.
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^[A-Za-z0-9_+/={}-]{14,132}$/)),
        (token) => !(isCrcToken(token) && isJsonObjectText(token)),
      ),
      { numRuns: 5000, seed: 20261203 },
    );
    t.pass('5000 generated strings');

    // JSON that does have the token shape (a long number): the CRC answers for it, but the
    // webhook refuses the body before any signature is checked, and stores nothing.
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const scalar = '12345678901234567890123';
    t.ok(isCrcToken(scalar) && JSON.parse(scalar) !== undefined, 'valid JSON of the token shape exists');
    const crc = await crcOf(f.app, scalar);
    t.equal(crc.statusCode, 200);
    const res = await deliver(f, scalar, crc.json().response_token as string);
    t.equal(res.statusCode, 400, 'not a JSON object: 400');
    t.match(res.json(), { status: 400, detail: /JSON object/ });
    for (const body of ['true', 'null', '"text"', '[{"data":{}}]', ' \n[]'])
      t.equal((await deliver(f, body)).statusCode, 400, `${body.trim()}, signed: 400`);
    t.equal((await deliver(f, ' \n{}')).statusCode, 200, 'an object after white space is one');
    t.same(await counts(f), { mentions: '0', replies: '0' });
  },
);

const HOSTILE = 'x URGENT: all jobcentres closed, claim at https://evil.example';

/** Another app on the fixture's database, with the webhook, whose every log line is kept in `lines`. */
async function loggedApp(t: Parameters<typeof mentionsFixture>[0], f: Fixture) {
  const lines: string[] = [];
  const logged = await buildApp({
    database: f.database,
    migrations,
    mentions: { appSecret: SECRET },
    privacy: { optOutKey: f.optOutKey },
    logger: captureLogger(lines),
  });
  t.teardown(() => logged.close());
  return { logged, lines };
}

void t.test(
  'a username that is not a valid X username is never replied to: stored without it, in the inbox with the reason, and never logged',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const to = await account(f);
    await f.newDispatcher().start();
    const { logged, lines } = await loggedApp(t, f);

    // Each a status question on X (so a reply could be posted), delivered by the webhook.
    const hostile = [HOSTILE, 'sixteen_letters_', 'two words', 'tab\there', 'emoji🙂'];
    const events = [];
    for (const username of hostile) events.push(await questionOnX(f, to, citizen(username)));
    const bad = await deliver({ app: logged }, JSON.stringify({ data: events }));
    t.equal(bad.statusCode, 200, bad.body);
    t.same(bad.json(), { received: hostile.length, stored: hostile.length, duplicates: 0, ignored: 0 });
    // A citizen with a good username after them: answered, so the dispatcher was at work.
    const good = await questionOnX(f, to, citizen('good_citizen'));
    t.equal((await deliver({ app: logged }, JSON.stringify({ data: good }))).statusCode, 200);

    const rows = await f.database.db
      .selectFrom('mentions')
      .select(['x_post_id', 'author_username', 'decision', 'reason', 'inbox_state', 'reply_post_id'])
      .where(
        'x_post_id',
        'in',
        events.map((e) => e.payload.id),
      )
      .execute();
    t.equal(rows.length, hostile.length);
    for (const row of rows)
      t.same(
        row,
        {
          x_post_id: row.x_post_id,
          author_username: null,
          decision: 'inbox',
          reason: 'invalid-username',
          inbox_state: 'open',
          reply_post_id: null,
        },
        `${row.x_post_id}: no reply, in the inbox, the username not kept`,
      );
    const inbox = await f.app.inject({ method: 'GET', url: `/inbox?account=${CUMBRIA}`, headers: f.bearer(f.admin) });
    const items = inbox.json().items as { id: string; reason: string; author: { username: string | null } }[];
    t.same(
      items
        .filter((i) => i.reason === 'invalid-username')
        .map((i) => i.id)
        .sort(),
      events.map((e) => e.payload.id).sort(),
      'every one is in the inbox, with the reason',
    );

    await waitFor('the good reply', async () => (await f.repliesBy(to.handle)).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const posts = await f.posts(to.handle);
    t.equal(posts.length, 1, 'one post by the official account: the reply to the good username');
    t.match(posts[0]!.text, /^@good_citizen Thanks for asking\./);
    t.notMatch(JSON.stringify(posts), /URGENT|evil|sixteen|two words/, 'no hostile username on X');
    t.notMatch(lines.join('\n'), /URGENT|evil\.example|sixteen_letters_|two words/, 'nor in the logs');
    const stored = await f.database.db.selectFrom('fanout_posts').select('text').execute();
    t.notMatch(JSON.stringify(stored), /URGENT|evil/, 'nor in any queued post');
  },
);

void t.test(
  'a mention is never younger than its post id: a future created_at on an old id is old (no reply, the inbox); an id dated in the future is ignored and logged by id only',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const to = await account(f);
    const { logged, lines } = await loggedApp(t, f);

    // Posted two hours ago (by its id), claiming to be from next year.
    const oldId = postId(2 * DEFAULT_MENTION_POLICY.maxAgeSeconds * 1000);
    const event = mentionEvent(to, citizen('late_lucy'), `@${to.handle} is carlisle jobcentre open today?`, oldId);
    event.payload.created_at = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const res = await deliver({ app: logged }, JSON.stringify({ data: event }));
    t.same(res.json(), { received: 1, stored: 1, duplicates: 0, ignored: 0 });
    const row = await f.database.db
      .selectFrom('mentions')
      .select(['posted_at', 'decision', 'reason', 'inbox_state', 'reply_post_id'])
      .where('x_post_id', '=', oldId)
      .executeTakeFirstOrThrow();
    t.same(row.posted_at, postIdTime(oldId), 'stored with the time in its id');
    t.same(
      { decision: row.decision, reason: row.reason, inbox: row.inbox_state, reply: row.reply_post_id },
      { decision: 'inbox', reason: 'too-old', inbox: 'open', reply: null },
      'too old for an automatic reply: a person sees it',
    );

    // An id dated an hour ahead: not made by X now, so malformed.
    const futureId = (BigInt(postIdAt(new Date(Date.now() + 60 * 60_000))) + 2_000_000n).toString();
    const ahead = mentionEvent(
      to,
      citizen('future_fred'),
      `@${to.handle} secret words are carlisle open today?`,
      futureId,
    );
    const ignored = await deliver({ app: logged }, JSON.stringify({ data: ahead }));
    t.same(ignored.json(), { received: 1, stored: 0, duplicates: 0, ignored: 1 });
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reason === 'future-id');
    t.match(warning, { post: futureId, reason: 'future-id' }, 'logged with its id and why');
    t.notMatch(lines.join('\n'), /secret words|future_fred/, 'never its text or author');
  },
);
