import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp, type AppOptions } from '@jcp/api';
import { createDatabase, importOfficeRegistry, issueToken, readRegistryFiles } from '@jcp/db';
import type { Teardown } from '@jcp/testing';
import t from 'tap';
import { apiFixture, migrations } from './fixture.js';

async function setup(t: Teardown, options: Partial<AppOptions> = {}) {
  const { database, app, cumbria, bearer } = await apiFixture(t, options);
  const wales = await issueToken(database.db, {
    name: 'wales manager',
    role: 'manager',
    districtCodes: ['101'],
    createdBy: 'test',
  });
  return { database, app, cumbria, wales, auth: bearer };
}

interface Change {
  cursor: string;
  officeId: string;
  effectiveAt: string;
  reason: string;
  previousStatus: string;
  currentStatus: { status: string; stale: boolean };
}

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

void t.test(
  'a scheduled notice takes effect and expires on time; the scheduler records each transition at its instant',
  async (t) => {
    const { app, cumbria, auth } = await setup(t);
    const from = inMs(1200);
    const until = inMs(2400);
    const res = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria),
      payload: { status: 'closed', cause: 'heating_failure', from, until },
    });
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), { currentStatus: { status: 'open' } }, 'not yet');
    t.same(
      (await app.inject('/changes')).json<{ changes: Change[] }>().changes,
      [],
      'a scheduled notice changes nothing yet',
    );
    const early = await app.jobs.settleStatuses(new Date());
    t.match(early, { ran: true, outcome: { changes: 0 } });
    await sleep(Date.parse(from) - Date.now() + 50);
    t.match(
      (await app.inject('/offices/carlisle-8504')).json(),
      { currentStatus: { status: 'closed', cause: 'heating_failure' } },
      'reads are exact before the scheduler runs',
    );
    t.match(await app.jobs.settleStatuses(new Date()), { ran: true, outcome: { changes: 1 } });
    let feed = (await app.inject('/changes')).json<{ changes: Change[] }>().changes;
    t.match(feed, [
      {
        reason: 'scheduled',
        effectiveAt: new Date(from).toISOString(),
        previousStatus: 'open',
        currentStatus: { status: 'closed' },
      },
    ]);
    await sleep(Date.parse(until) - Date.now() + 50);
    t.match(
      (await app.inject('/offices/carlisle-8504')).json(),
      { currentStatus: { status: 'open' } },
      'and it ends on its own',
    );
    await app.jobs.settleStatuses(new Date(Date.now() + 1000));
    feed = (await app.inject('/changes')).json<{ changes: Change[] }>().changes;
    t.match(
      feed.map((c) => [c.reason, c.effectiveAt, c.currentStatus.status]),
      [
        ['scheduled', new Date(from).toISOString(), 'closed'],
        ['expired', new Date(until).toISOString(), 'open'],
      ],
    );
    const history = (await app.inject('/offices/carlisle-8504/history')).json<{ changes: Change[] }>().changes;
    t.same(
      history.map((c) => c.reason),
      ['expired', 'scheduled'],
      'history is newest first',
    );
  },
);

void t.test('a slot runs once across replicas; transitions between two runs are all recorded', async (t) => {
  const { app, database, cumbria, auth } = await setup(t);
  const other = await buildApp({ database, migrations });
  t.teardown(() => other.close());
  // Far enough ahead that the write has committed before the closure starts, even on a loaded machine.
  const from = inMs(1_500);
  const until = inMs(1_800);
  await app.inject({
    method: 'POST',
    url: '/offices/carlisle-8504/notices',
    headers: auth(cumbria),
    payload: { status: 'closed', cause: 'power_failure', from, until },
  });
  await sleep(Date.parse(until) - Date.now() + 200);
  const slot = new Date();
  const [a, b] = await Promise.all([app.jobs.settleStatuses(slot), other.jobs.settleStatuses(slot)]);
  t.same([a.ran, b.ran].sort(), [false, true], 'one replica ran the slot');
  const feed = (await app.inject('/changes')).json<{ changes: Change[] }>().changes;
  t.same(
    feed.map((c) => c.reason),
    ['scheduled', 'expired'],
    'a closure that started and ended between runs is in the feed twice',
  );
  t.match(
    await app.jobs.settleStatuses(new Date(slot.getTime() + 1000)),
    { ran: true, outcome: { changes: 0 } },
    'nothing is recorded twice',
  );
});

void t.test(
  'a closure past its expected reopening turns stale, is listed for its managers, and is not reopened',
  async (t) => {
    const { app, cumbria, wales, auth } = await setup(t);
    const reopen = inMs(800);
    await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria),
      payload: { status: 'closed', cause: 'weather', expectedReopenAt: reopen },
    });
    t.same((await app.inject({ url: '/stale', headers: auth(cumbria) })).json(), { offices: [], count: 0 });
    await sleep(Date.parse(reopen) - Date.now() + 50);
    t.match((await app.inject('/offices/carlisle-8504')).json(), { currentStatus: { status: 'closed', stale: true } });
    const stale = (await app.inject({ url: '/stale', headers: auth(cumbria) })).json<{
      offices: { officeId: string }[];
    }>();
    t.same(
      stale.offices.map((o) => o.officeId),
      ['carlisle-8504'],
    );
    t.same(
      (await app.inject({ url: '/stale', headers: auth(wales) })).json(),
      { offices: [], count: 0 },
      'other managers do not see it',
    );
    t.equal((await app.inject('/stale')).statusCode, 401);
    await app.jobs.settleStatuses(new Date());
    const feed = (await app.inject('/changes')).json<{ changes: Change[] }>().changes;
    t.match(feed.at(-1), {
      reason: 'stale',
      effectiveAt: new Date(reopen).toISOString(),
      currentStatus: { status: 'closed', stale: true },
    });
    // Confirming a new reopening time clears it.
    await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria),
      payload: { status: 'closed', cause: 'weather', expectedReopenAt: inMs(3_600_000), reopenCertainty: 'confirmed' },
    });
    t.same((await app.inject({ url: '/stale', headers: auth(cumbria) })).json<{ count: number }>().count, 0);
  },
);

void t.test('the change feed misses and repeats nothing while several writers commit at once', async (t) => {
  const { app, database, cumbria, auth } = await setup(t);
  const other = await buildApp({ database, migrations });
  t.teardown(() => other.close());
  const offices = (
    await database.db.selectFrom('offices').select('id').where('district_code', '=', '105').orderBy('id').execute()
  ).map((o) => o.id);
  const seen: Change[] = [];
  let cursor = '0';
  let writing = true;
  const reader = (async () => {
    while (writing) {
      const page = (await app.inject(`/changes?after=${cursor}&limit=7`)).json<{ changes: Change[]; cursor: string }>();
      seen.push(...page.changes);
      cursor = page.cursor;
      if (page.changes.length === 0) await sleep(2);
    }
  })();
  // Several writers at once on two instances, but never more in flight than the shared pool
  // can serve within its connection timeout on a loaded machine: the feed is under test here,
  // not the pool's queue.
  const writes: (() => Promise<{ statusCode: number }>)[] = [];
  for (let round = 0; round < 6; round++) {
    for (const [i, office] of offices.entries()) {
      const instance = i % 2 === 0 ? app : other;
      const payload = round % 2 === 0 ? { status: 'closed', cause: 'weather' } : { status: 'open' };
      writes.push(() =>
        instance.inject({ method: 'POST', url: `/offices/${office}/notices`, headers: auth(cumbria), payload }),
      );
    }
  }
  const results: { statusCode: number }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < writes.length) {
        const write = writes[next++]!;
        results.push(await write());
      }
    }),
  );
  t.ok(
    results.every((r) => r.statusCode === 201),
    'every write succeeded',
  );
  writing = false;
  await reader;
  for (;;) {
    const page = (await app.inject(`/changes?after=${cursor}&limit=50`)).json<{ changes: Change[]; cursor: string }>();
    if (page.changes.length === 0) break;
    seen.push(...page.changes);
    cursor = page.cursor;
  }
  const total = Number(
    (
      await database.db
        .selectFrom('status_changes')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  t.equal(total, offices.length * 6, 'each write changed its office');
  t.equal(seen.length, total, 'the reader saw every change');
  t.equal(new Set(seen.map((c) => c.cursor)).size, seen.length, 'and none twice');
  const cursors = seen.map((c) => BigInt(c.cursor));
  t.ok(
    cursors.every((c, i) => i === 0 || c > (cursors[i - 1] as bigint)),
    'in order',
  );
  // Per office, the feed alternates closed/open six times and ends open.
  for (const office of offices) {
    const statuses = seen.filter((c) => c.officeId === office).map((c) => c.currentStatus.status);
    t.equal(statuses.length, 6);
  }
});

void t.test('history pages and the changedSince filter', async (t) => {
  const { app, cumbria, auth } = await setup(t);
  const start = new Date().toISOString();
  for (let i = 0; i < 5; i++) {
    await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: auth(cumbria),
      payload: i % 2 === 0 ? { status: 'closed', cause: 'weather' } : { status: 'open' },
    });
  }
  const page1 = (await app.inject('/offices/carlisle-8504/history?limit=3')).json<{
    changes: Change[];
    next: string | null;
  }>();
  t.equal(page1.changes.length, 3);
  t.ok(page1.next);
  const page2 = (await app.inject(`/offices/carlisle-8504/history?limit=3&before=${page1.next}`)).json<{
    changes: Change[];
    next: string | null;
  }>();
  t.equal(page2.changes.length, 2);
  t.equal(page2.next, null);
  t.same(
    [...page1.changes, ...page2.changes].map((c) => c.currentStatus.status),
    ['closed', 'open', 'closed', 'open', 'closed'],
  );
  const changed = (await app.inject(`/offices?changedSince=${encodeURIComponent(start)}`)).json<{
    offices: { id: string }[];
  }>();
  t.same(
    changed.offices.map((o) => o.id),
    ['carlisle-8504'],
  );
  const later = (
    await app.inject(`/offices?changedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
  ).json<{ count: number }>();
  t.equal(later.count, 0);
  for (const url of [
    '/offices/nope-1/history',
    '/offices/carlisle-8504/history?before=abc',
    '/changes?after=-1',
    '/changes?limit=0',
    '/offices?changedSince=yesterday',
  ]) {
    const res = await app.inject(url);
    t.ok([400, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
    t.match(res.headers['content-type'], /application\/problem\+json/);
  }
});

void t.test('the node-cron scheduler runs on its own', async (t) => {
  const { app, cumbria, auth } = await setup(t, { scheduler: { enabled: true, settleCron: '* * * * * *' } });
  await app.ready();
  await app.inject({
    method: 'POST',
    url: '/offices/carlisle-8504/notices',
    headers: auth(cumbria),
    payload: { status: 'delayed', cause: 'staffing', expectedReopenAt: inMs(60_000), from: inMs(500) },
  });
  let feed: Change[] = [];
  for (let i = 0; i < 40 && feed.length === 0; i++) {
    await sleep(100);
    feed = (await app.inject('/changes')).json<{ changes: Change[] }>().changes;
  }
  t.match(feed, [{ reason: 'scheduled', currentStatus: { status: 'delayed' } }]);
});

void t.test(
  'two instances: a status just written on one is what the next read on the other returns',
  {
    skip: !process.env.TEST_DATABASE_URL
      ? 'needs PostgreSQL (TEST_DATABASE_URL): two instances cannot share an embedded PGlite database'
      : false,
  },
  async (t) => {
    const { app, database, cumbria, auth } = await setup(t);
    const second = await createDatabase({ url: database.url, poolMax: 5 });
    const other = await buildApp({ database: second, migrations, closeDatabaseOnShutdown: true });
    t.teardown(() => other.close());
    await Promise.all([app.ready(), other.ready()]);

    for (let i = 0; i < 20; i++) {
      const writer = i % 2 === 0 ? app : other;
      const reader = i % 2 === 0 ? other : app;
      // The reader has the office cached.
      const before = (await reader.inject('/offices/carlisle-8504')).json<{ currentStatus: { status: string } }>();
      const wanted = before.currentStatus.status === 'open' ? 'closed' : 'open';
      const payload =
        wanted === 'closed'
          ? { status: 'closed', cause: 'weather', message: `round ${i}` }
          : { status: 'open', message: `round ${i}` };
      const res = await writer.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: auth(cumbria),
        payload,
      });
      t.equal(res.statusCode, 201);
      const after = await reader.inject('/offices/carlisle-8504');
      t.match(
        after.json(),
        { currentStatus: { status: wanted, message: `round ${i}` } },
        `round ${i}: the other instance reads the new status`,
      );
      t.equal(after.headers.etag, res.headers.etag, 'and the ETag the writer returned');
      const doc = (await reader.inject('/statuses')).json<{ offices: Record<string, { status: string }> }>();
      t.equal(doc.offices['carlisle-8504']?.status, wanted, 'the status document too');
    }
  },
);

void t.test('a register import that renames an office drops the cached reads of every instance', async (t) => {
  const { app, database } = await setup(t);
  await app.ready();
  const before = await app.inject('/offices/carlisle-8504');
  t.equal(before.json<{ name: string }>().name, 'Carlisle');
  t.equal((await app.inject('/offices/carlisle-8504')).headers.etag, before.headers.etag, 'served from the cache');
  const files = await readRegistryFiles();
  const report = await importOfficeRegistry(
    database.db,
    { ...files, offices: files.offices.replace('\n8504,Carlisle,', '\n8504,Carlisle City,') },
    { actor: 'test' },
  );
  t.equal(report.updated, 1);
  let name = '';
  for (let i = 0; i < 50 && name !== 'Carlisle City'; i++) {
    name = (await app.inject('/offices/carlisle-8504')).json<{ name: string }>().name;
    if (name !== 'Carlisle City') await sleep(20);
  }
  t.equal(name, 'Carlisle City', 'the new name is read, not the cached one');
});
