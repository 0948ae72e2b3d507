// Who sees what (issue 11, item 5). A real citizen's question on the X emulator, its
// reply delivered by a real dispatcher, a status post delivered with it, and the text of
// errors and reasons in every place the service keeps one. Then every GET route the app
// registers (from its own route table, so a new route is covered the day it lands) is
// called as anybody, as a reader (reads public, and reads behind a token) and as a manager
// of another district: no answer may hold the citizen's handle or X id, the question's id,
// the reply, an error or reason text, or a worker's identity. The account's manager and an
// admin do see them, and their answers are for them alone (never cached).
import { hostname } from 'node:os';
import { buildApp } from '@jcp/api';
import { issueToken } from '@jcp/db';
import t from 'tap';
import { migrations } from '../api/fixture.js';
import { CARLISLE, CUMBRIA, waitFor } from '../fanout/fixture.js';
import { citizen, mentionsFixture } from './fixture.js';

const OTHER = 'district-101';

interface PostBody {
  id: string;
  kind: string;
  text: string;
  lastError?: string | null;
  deliveredBy?: string | null;
  inReplyToXId?: string | null;
}

/** A path with each `:param` taken from `samples`; a parameter without a sample fails the test (so a new one gets one). */
function fill(url: string, samples: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = samples[name];
    if (value === undefined) throw new Error(`no sample value for :${name} in ${url}: add one to the test`);
    return encodeURIComponent(value);
  });
}

void t.test(
  "replies, citizens, error texts and worker identities: only for the account's managers and admins, on every GET route",
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA, OTHER] });
    const cumbria = await f.handleOf(CUMBRIA);
    await f.notice({ offices: [CARLISLE], status: 'closed', cause: 'weather' });
    const closure = await f.database.db
      .selectFrom('status_changes')
      .select('seq')
      .where('office_id', '=', CARLISLE)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    await f.newDispatcher().start();
    await waitFor('the closure post', async () => (await f.posts(cumbria)).length === 1);

    const asker = citizen('Privacy_Pat_77');
    const question = await f.mention(cumbria, asker, `@${cumbria} is carlisle jobcentre open today?`);
    t.equal((await f.newIngester().pollNow()).replies, 1, 'a reply was queued');
    const reply = await waitFor('the reply recorded as delivered', () =>
      f.database.db
        .selectFrom('fanout_posts')
        .select(['id', 'text', 'delivered_by'])
        .where('kind', '=', 'reply')
        .where('state', '=', 'delivered')
        .executeTakeFirst(),
    );
    t.match(reply.text, /^@Privacy_Pat_77 /);
    const status = await f.database.db
      .selectFrom('fanout_posts')
      .select(['id', 'delivered_by'])
      .where('kind', '=', 'status')
      .where('state', '=', 'delivered')
      .executeTakeFirstOrThrow();
    t.ok(status.delivered_by?.startsWith(`${hostname()}:${process.pid}:`), 'the worker that delivered it is recorded');

    // The texts the service keeps of errors and reasons, in each of their places.
    const secrets = {
      postError: 'not sent: SECRET-POST-ERROR',
      accountError: 'X said 403: SECRET-ACCOUNT-ERROR',
      accountReason: 'SECRET-ACCOUNT-PAUSE-REASON',
      globalReason: 'SECRET-GLOBAL-PAUSE-REASON',
    };
    await f.database.db
      .updateTable('fanout_posts')
      .set({ last_error: secrets.postError })
      .where('id', '=', status.id)
      .execute();
    await f.database.db
      .insertInto('fanout_accounts')
      .values({ account_id: CUMBRIA, last_error: secrets.accountError, consecutive_failures: 1 })
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({ last_error: secrets.accountError, consecutive_failures: 1 }),
      )
      .execute();
    await f.database.db
      .updateTable('accounts')
      .set({ paused_reason: secrets.accountReason })
      .where('id', '=', CUMBRIA)
      .execute();
    await f.database.db.updateTable('fanout_control').set({ paused_reason: secrets.globalReason }).execute();

    const forbidden: Record<string, string> = {
      "the citizen's handle": asker.username,
      "the citizen's X id": asker.id,
      "the question's X id": question,
      'the reply': reply.text,
      "the worker's host and process": `${hostname()}:${process.pid}`,
      'the worker (reply)': reply.delivered_by ?? 'missing',
      'the worker (status post)': status.delivered_by ?? 'missing',
      postError: secrets.postError,
      accountError: secrets.accountError,
      accountReason: secrets.accountReason,
    };
    // The switch for every account: its reason is for every manager (all their accounts are held), not for anybody else.
    const forStaff: Record<string, string> = { globalReason: secrets.globalReason };

    // The account's manager and an admin see all of it, and nobody may keep their answers.
    for (const [who, token] of [
      ["the account's manager", f.cumbria],
      ['an admin', f.admin],
    ] as const) {
      const posts = await f.app.inject({ url: `/accounts/${CUMBRIA}/posts`, headers: f.bearer(token) });
      t.equal(posts.statusCode, 200, `${who}: GET /accounts/${CUMBRIA}/posts`);
      t.equal(posts.headers['cache-control'], 'private, no-store', `${who}: not for any cache`);
      t.match(posts.headers.vary, /authorization/i);
      const body = posts.json<{ posts: PostBody[] }>();
      t.match(
        body.posts.find((p) => p.kind === 'reply'),
        { text: reply.text, inReplyToXId: question, deliveredBy: reply.delivered_by },
        `${who} sees the reply`,
      );
      t.match(
        body.posts.find((p) => p.id === status.id),
        { lastError: secrets.postError, deliveredBy: status.delivered_by },
      );
      t.match((await f.app.inject({ url: `/accounts/${CUMBRIA}`, headers: f.bearer(token) })).json(), {
        pausedReason: secrets.accountReason,
        health: { lastError: secrets.accountError },
      });
      t.match((await f.app.inject({ url: `/changes/${closure.seq}/posts`, headers: f.bearer(token) })).json(), {
        posts: [{ lastError: secrets.postError }],
      });
      t.match((await f.app.inject({ url: '/delivery', headers: f.bearer(token) })).json(), {
        pausedReason: secrets.globalReason,
      });
      t.equal(
        (await f.app.inject({ url: `/mentions/${question}`, headers: f.bearer(token) })).headers['cache-control'],
        'private, no-store',
        `${who}: a mention is not for any cache`,
      );
    }

    // The public list is of status posts only, left out in the query: a page of one is the status post, not the newer reply.
    const page = await f.app.inject(`/accounts/${CUMBRIA}/posts?limit=1`);
    t.same(
      page.json<{ posts: PostBody[] }>().posts.map((p) => p.id),
      [status.id],
      'a public page of one: the status post',
    );
    t.same(
      Object.keys(page.json<{ posts: PostBody[] }>().posts[0] ?? {}).filter((k) =>
        ['lastError', 'deliveredBy', 'inReplyToXId'].includes(k),
      ),
      [],
      'privileged fields are absent, not blanked',
    );
    t.equal(page.headers['cache-control'], 'no-cache');
    t.match(page.headers.vary, /authorization/i, 'the answer depends on the token: a cache must not mix them up');

    // Everybody else, on every GET route, public reads and reads behind a token.
    const stranger = await issueToken(f.database.db, {
      name: 'swwales manager',
      role: 'manager',
      districtCodes: ['101'],
      createdBy: 'test',
    });
    const guarded = await buildApp({ database: f.database, migrations, readAccess: 'token' });
    t.teardown(() => guarded.close());
    const notice = await f.database.db.selectFrom('status_notices').select('id').executeTakeFirstOrThrow();
    const samples: Record<string, string> = {
      accountId: CUMBRIA,
      officeId: CARLISLE,
      seq: String(closure.seq),
      mentionId: question,
      noticeId: notice.id,
      eventId: '00000000-0000-4000-8000-000000000000',
      tokenId: f.cumbria.record.id,
    };
    const callers = [
      { who: 'anybody', app: f.app, headers: {}, staff: false },
      { who: 'a reader', app: f.app, headers: f.bearer(f.reader), staff: false },
      { who: 'a manager of another district', app: f.app, headers: f.bearer(stranger), staff: true },
      { who: 'a reader (READ_ACCESS=token)', app: guarded, headers: f.bearer(f.reader), staff: false },
      {
        who: 'a manager of another district (READ_ACCESS=token)',
        app: guarded,
        headers: f.bearer(stranger),
        staff: true,
      },
    ];
    const routes = [
      ...new Set(f.app.routeTable.filter((r) => r.method === 'GET' && !r.url.startsWith('/docs')).map((r) => r.url)),
    ];
    t.ok(
      routes.includes('/accounts/:accountId/posts') &&
        routes.includes('/delivery') &&
        routes.includes('/mentions/:mentionId'),
      'the walk covers the routes it is about',
    );
    let answered = 0;
    for (const route of routes) {
      for (const query of ['', '?limit=200&state=delivered']) {
        const url = fill(route, samples) + query;
        for (const caller of callers) {
          const res = await caller.app.inject({ url, headers: caller.headers });
          if (res.statusCode >= 500) t.fail(`${caller.who}: GET ${url} answered ${res.statusCode}`);
          if (res.statusCode === 200) answered++;
          for (const [what, value] of Object.entries(caller.staff ? forbidden : { ...forbidden, ...forStaff })) {
            // A problem may repeat the URL the caller sent (its `instance`): that shows the caller nothing new.
            if (res.body.includes(value) && !url.includes(value)) t.fail(`${caller.who}: GET ${url} shows ${what}`);
          }
        }
      }
    }
    t.ok(answered > routes.length, `many of those calls were answered, not just refused (${answered})`);
  },
);
