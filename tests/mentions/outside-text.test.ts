// Outside text read by the poller (recent search through the real twitter-api-v2 client,
// against the X emulator): a username X gives that breaks X's own rule never starts a
// post, is never stored or logged, and the mention goes to a person; a mention's time is
// never later than the time in its id. (The webhook's side: webhook.test.ts.)
import { postIdTime } from '@jcp/domain';
import t from 'tap';
import { CUMBRIA, waitFor } from '../fanout/fixture.js';
import { captureLogger, citizen, mentionsFixture } from './fixture.js';

const HOSTILE = 'x URGENT: all jobcentres closed, claim at https://evil.example';

void t.test(
  'polled: a hostile username gets no reply from the official account; the mention is in the inbox with the reason, without the username, and nothing logs it',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
    const handle = await f.handleOf(CUMBRIA);
    await f.newDispatcher().start();
    const question = `@${handle} is carlisle jobcentre open today?`;
    const hostile = [HOSTILE, 'sixteen_letters_', 'two words', 'new\nline', 'ünïcode'];
    const ids: string[] = [];
    for (const username of hostile) ids.push(await f.mention(handle, citizen(username), question));
    const good = await f.mention(handle, citizen('good_citizen'), question);

    const lines: string[] = [];
    const cycle = await f.newIngester({ logger: captureLogger(lines) }).pollNow();
    t.equal(cycle.stored, hostile.length + 1, 'every mention is stored');
    t.equal(cycle.replies, 1, 'one reply queued: to the good username');

    const rows = await f.database.db
      .selectFrom('mentions')
      .select(['x_post_id', 'author_username', 'decision', 'reason', 'inbox_state', 'reply_post_id'])
      .where('x_post_id', 'in', ids)
      .execute();
    t.equal(rows.length, hostile.length);
    for (const row of rows) {
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
    }
    const inbox = await f.app.inject({ method: 'GET', url: `/inbox?account=${CUMBRIA}`, headers: f.bearer(f.admin) });
    const items = inbox.json().items as { id: string; reason: string; author: { username: string | null } }[];
    t.same(
      items
        .filter((i) => i.reason === 'invalid-username')
        .map((i) => i.id)
        .sort(),
      [...ids].sort(),
      'each is in the inbox with the reason',
    );
    t.ok(items.every((i) => i.author.username === null || i.author.username === 'good_citizen'));

    await waitFor('the good reply', async () => (await f.repliesBy(handle)).some((p) => p.inReplyToTweetId === good));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const posts = await f.posts(handle);
    t.equal(posts.length, 1, 'the official account posted once: the reply to the good username');
    t.match(posts[0]!.text, /^@good_citizen Thanks for asking\./);
    t.notMatch(JSON.stringify(posts), /URGENT|evil|sixteen|two words|ünïcode/, 'no hostile username on X');
    t.notMatch(lines.join('\n'), /URGENT|evil\.example|sixteen_letters_|two words|ünïcode/, 'nor in the logs');
    const queued = await f.database.db.selectFrom('fanout_posts').select('text').execute();
    t.notMatch(JSON.stringify(queued), /URGENT|evil/, 'nor in any queued post');
  },
);

void t.test('polled: a created_at later than the time in the post id is replaced by that time', async (t) => {
  const f = await mentionsFixture(t, { accounts: [CUMBRIA] });
  const handle = await f.handleOf(CUMBRIA);
  const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
  const id = await f.mention(handle, citizen(), `@${handle} is carlisle jobcentre open today?`, {
    created_at: nextYear,
  });
  await f.newIngester().pollNow();
  const row = await f.database.db
    .selectFrom('mentions')
    .select(['posted_at', 'decision'])
    .where('x_post_id', '=', id)
    .executeTakeFirstOrThrow();
  t.same(row.posted_at, postIdTime(id), 'the time in the id, not next year');
  t.equal(row.decision, 'reply', 'a fresh question is still answered');
});
