// Replies may use only their share of the app's daily post budget (X_REPLY_BUDGET_SHARE,
// half by default), so that a flood of questions never silences the status posts; status
// posts may use the whole budget, the replies' unused share included. GET /delivery shows it.
import { sql } from 'kysely';
import t from 'tap';
import { CARLISLE, CUMBRIA, fanoutFixture, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from './fixture.js';

const DAY = 24 * 60 * 60_000;

interface Delivery {
  appBudget: {
    limit: number;
    used: number;
    replies: { share: number; limit: number; used: number; remaining: number };
    status: { used: number; remaining: number; guaranteedRemaining: number };
  };
}

void t.test(
  'a flood of replies takes at most half of a small app budget, and a status change is still posted',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA], appBudget: { limit: 10, windowMs: DAY } });
    const cumbria = await f.handleOf(CUMBRIA);
    for (let i = 0; i < 12; i++) await f.mention(cumbria, citizen(), `@${cumbria} is carlisle jobcentre open today?`);
    t.equal((await f.newIngester().pollNow()).replies, 12, 'twelve replies queued');
    const replySends = async () =>
      Number(
        (
          await f.database.db
            .selectFrom('fanout_sends')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('kind', '=', 'reply')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const dispatcher = f.newDispatcher();
    await dispatcher.start();
    // Every attempt counts (one whose answer was lost, and its retry, are two).
    await waitFor('half the budget spent on replies', async () => (await replySends()) === 5);
    // However long it runs, no more replies go.
    await new Promise((resolve) => setTimeout(resolve, 500));
    dispatcher.wake();
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal(await replySends(), 5, 'replies stop at their share');
    t.ok((await f.repliesBy(cumbria)).length <= 5, 'no more than five replies on X');
    const untried = await f.database.db
      .selectFrom('fanout_posts')
      .select('id')
      .where('kind', '=', 'reply')
      .where('state', '=', 'queued')
      .where('attempts', '=', 0)
      .execute();
    t.ok(untried.length >= 7, 'the rest wait (and go to the inbox once their questions are too old)');

    await f.notice({ offices: [CARLISLE], status: 'closed', cause: 'weather' });
    await waitFor('the closure posted', async () =>
      (await f.posts(cumbria)).some((p) => /Carlisle is closed/.test(p.text)),
    );
    // Recorded a moment after X has it.
    await waitFor(
      'its outcome recorded',
      async () =>
        (await f.database.db.selectFrom('fanout_posts').select('state').where('kind', '=', 'status').executeTakeFirst())
          ?.state === 'delivered',
    );
    t.equal(await replySends(), 5, 'and still five replies');

    const { appBudget } = (await f.app.inject('/delivery')).json<Delivery>();
    // One attempt for the status post (two if its first answer was lost on a slow machine).
    const status = appBudget.status.used;
    t.ok(status >= 1 && status <= 2);
    t.same(
      appBudget,
      {
        limit: 10,
        windowMs: DAY,
        used: 5 + status,
        replies: { share: 0.5, limit: 5, used: 5, remaining: 0 },
        status: { used: status, remaining: 5 - status, guaranteedRemaining: 5 - status },
      },
      'GET /delivery: the reply share, used and left, and what status posts keep',
    );
  },
);

void t.test("status posts may use the whole budget, the replies' unused share included", async (t) => {
  const f = await fanoutFixture(t, { appBudget: { limit: 4, windowMs: DAY, replyShare: 0.5 } });
  // One office in each of five English accounts: five status posts for a budget of four.
  const offices = await f.database.db
    .selectFrom('offices as o')
    .innerJoin('accounts as c', 'c.id', 'o.account_id')
    .select(['o.id', 'o.account_id'])
    .distinctOn('o.account_id')
    .where('c.languages', '=', sql<string[]>`array['en']`)
    .where('o.closed_permanently_on', 'is', null)
    .orderBy('o.account_id')
    .orderBy('o.id')
    .limit(5)
    .execute();
  t.equal(offices.length, 5);
  await f.notice({ offices: offices.map((o) => o.id), status: 'closed', cause: 'weather' });
  await f.newDispatcher().start();
  await waitFor('four status posts', async () => (await f.posts()).length === 4);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal((await f.posts()).length, 4, 'the whole budget, and no more');
  const delivery = (await f.app.inject('/delivery')).json<Delivery>();
  t.match(
    delivery.appBudget,
    {
      limit: 4,
      used: 4,
      replies: { limit: 2, used: 0, remaining: 0 },
      status: { used: 4, remaining: 0, guaranteedRemaining: 0 },
    },
    'status borrowed the replies’ two',
  );
});
