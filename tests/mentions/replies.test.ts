// Auto-replies end to end: a status written through the API, a citizen's mention on the
// X emulator, one ingestion cycle (recent search through the real twitter-api-v2 client
// over HTTP), the reply queued in the same transaction as the mention, and delivered by
// the fan-out dispatcher from the right account to the right post.
import t from 'tap';
import { CARLISLE, CUMBRIA, waitFor } from '../fanout/fixture.js';
import { captureLogger, citizen, mentionsFixture } from './fixture.js';

const SWWALES = 'district-101';
const SWANSEA = 'swansea-9854';

void t.test(
  'a question about a closed office gets the closure, from the right account, in reply to the question, within one cycle',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA, SWWALES] });
    const cumbria = await f.handleOf(CUMBRIA);
    await f.notice({
      offices: [CARLISLE],
      status: 'closed',
      cause: 'weather',
      expectedReopenAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    await f.newDispatcher().start();
    // The status post itself goes first; it is not a reply.
    await waitFor('the closure post', async () => (await f.posts(cumbria)).length === 1);
    const asker = citizen('snowedin_sam');
    const question = await f.mention(
      cumbria,
      asker,
      `@${cumbria} is carlisle jobcentre open today? got an appointment at 10`,
    );
    const cycle = await f.newIngester().pollNow();
    t.equal(cycle.stored, 1, 'the mention was read and stored in one cycle');
    t.equal(cycle.replies, 1, 'and a reply queued in the same cycle');
    const [reply] = await waitFor('the reply', async () => {
      const r = await f.repliesBy(cumbria);
      return r.length > 0 && r;
    });
    t.equal(reply!.inReplyToTweetId, question, 'replies to the question');
    t.equal(reply!.username, cumbria, 'from the account that was asked (by OAuth signature)');
    t.match(reply!.text, /^@snowedin_sam Thanks for asking\. Carlisle is closed because of severe weather\./);
    t.notMatch(reply!.text, /appointment at 10/, 'never repeats the citizen');
    const other = await f.posts(await f.handleOf(SWWALES));
    t.equal(other.length, 0, 'no other account says anything');

    await waitFor(
      'the delivery recorded',
      async () =>
        (await f.database.db
          .selectFrom('fanout_posts')
          .select('id')
          .where('x_post_id', '=', reply!.id)
          .executeTakeFirst()) !== undefined,
    );
    const audit = await f.app.inject({ method: 'GET', url: `/mentions/${question}`, headers: f.bearer(f.admin) });
    t.equal(audit.statusCode, 200);
    const view = audit.json();
    t.equal(view.decision, 'reply');
    t.same(view.classification.offices, [CARLISLE]);
    t.equal(view.classification.intent, 'status');
    t.equal(view.reply.state, 'delivered');
    t.equal(view.reply.xPostId, reply!.id, 'the audit shows the reply as X holds it');
  },
);

void t.test('the same mention read twice (the overlap, a second cycle, the webhook) gets one reply', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const cumbria = await f.handleOf(CUMBRIA);
  await f.newDispatcher().start();
  const id = await f.mention(cumbria, citizen(), `@${cumbria} are you open tomorrow?`);
  const ingester = f.newIngester();
  const first = await ingester.pollNow();
  t.equal(first.stored, 1);
  // The cursor is behind by the overlap: the next cycle reads the same mention again.
  await f.database.db.deleteFrom('mention_cursors').execute();
  const second = await ingester.pollNow();
  t.equal(second.read, 1, 'read again');
  t.equal(second.stored, 0, 'but not stored again');
  t.equal(second.duplicates, 1);
  await waitFor('the reply', async () => (await f.repliesBy(cumbria)).length === 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal((await f.repliesBy(cumbria)).length, 1, 'one reply on X');
  const rows = await f.database.db.selectFrom('mentions').select(['x_post_id', 'reply_post_id']).execute();
  t.same(
    rows.map((r) => r.x_post_id),
    [id],
  );
});

void t.test('a Welsh question gets a Welsh answer naming the office by its Welsh name', async (t) => {
  const f = await mentionsFixture(t, { accounts: [SWWALES] });
  const handle = await f.handleOf(SWWALES);
  await f.notice({ offices: [SWANSEA], status: 'closed', cause: 'weather' });
  await f.newDispatcher().start();
  const id = await f.mention(handle, citizen(), `@${handle} ydi'r ganolfan waith yn Abertawe ar gau?`);
  await f.newIngester().pollNow();
  const reply = await waitFor('the reply', async () =>
    (await f.repliesBy(handle)).find((p) => p.inReplyToTweetId === id),
  );
  t.match(reply.text, /Diolch am ofyn\. Mae Abertawe ar gau/, 'in Welsh, by the Welsh name');
  // X has it; the outcome is recorded a moment later.
  const row = await waitFor('the delivery recorded', () =>
    f.database.db
      .selectFrom('fanout_posts')
      .select(['language', 'kind'])
      .where('x_post_id', '=', reply.id)
      .executeTakeFirst(),
  );
  t.same(row, { language: 'cy', kind: 'reply' });
});

void t.test('a benefit query with an NI number lands in the inbox redacted and gets no status reply', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const cumbria = await f.handleOf(CUMBRIA);
  const logs: string[] = [];
  await f.newDispatcher().start();
  const id = await f.mention(
    cumbria,
    citizen(),
    `@${cumbria} my UC payment hasn't come in, my NI number is QQ 12 34 56 C and my phone is 07700 900123, is the office open so I can sort it?`,
  );
  await f.newIngester({ logger: captureLogger(logs) }).pollNow();
  const row = await f.database.db
    .selectFrom('mentions')
    .selectAll()
    .where('x_post_id', '=', id)
    .executeTakeFirstOrThrow();
  t.notMatch(row.text, /QQ ?12/, 'the NI number is not stored');
  t.notMatch(row.text, /07700/, 'nor the phone number');
  t.match(row.text, /\[NI number\]/);
  t.same([...row.redacted].sort(), ['ni-number', 'phone']);
  t.notMatch(logs.join('\n'), /QQ ?12|07700/, 'nor logged');

  const plain = await f.mention(
    cumbria,
    citizen(),
    `@${cumbria} hi my national insurance number is AB123456C, why has my ESA been stopped??`,
  );
  await f.newIngester().pollNow();
  const benefit = await f.database.db
    .selectFrom('mentions')
    .selectAll()
    .where('x_post_id', '=', plain)
    .executeTakeFirstOrThrow();
  t.equal(benefit.decision, 'inbox');
  t.equal(benefit.inbox_state, 'open');
  t.equal(benefit.reply_post_id, null, 'no reply');
  t.match(benefit.text, /\[NI number\]/);
  const inbox = await f.app.inject({ method: 'GET', url: `/inbox?account=${CUMBRIA}`, headers: f.bearer(f.admin) });
  t.equal(inbox.statusCode, 200);
  const items = inbox.json().items as { id: string; text: string }[];
  t.ok(
    items.some((i) => i.id === plain && i.text.includes('[NI number]') && !i.text.includes('AB123456C')),
    'listed in the inbox, redacted',
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal((await f.repliesBy(cumbria)).filter((r) => r.inReplyToTweetId === plain).length, 0, 'nothing said on X');
});
