import { buildApp } from '@jcp/api';
import { OfficeView, searchOffices } from '@jcp/use-cases';
import type { KyselyPlugin } from 'kysely';
import t from 'tap';
import { apiFixture, migrations } from './fixture.js';

// The in-process office view (packages/use-cases/src/offices/view.ts): reads come from it,
// and only what a change names is read again.

void t.test('the view reads the register once, then only the offices a change names', async (t) => {
  const { database } = await apiFixture(t);
  let queries = 0;
  const counting: KyselyPlugin = {
    transformQuery: (args) => {
      queries++;
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
  const view = new OfficeView(database.db.withPlugin(counting));
  view.setListening(true);
  const first = await view.snapshot();
  t.equal(first.inBusiness.length, 630);
  const loading = queries;
  t.ok(loading > 0 && loading <= 6, `a full load is a handful of queries (${loading})`);

  const now = new Date();
  await searchOffices({ view }, { q: 'carlisle' }, now);
  await searchOffices({ view }, { districtCode: '105', status: 'open' }, now);
  await searchOffices({ view }, { changedSince: new Date(0) }, now);
  t.equal(queries, loading, 'searches and lists read no database');

  view.invalidate(['carlisle-8504'], null);
  const second = await view.snapshot();
  t.equal(queries - loading, 2, "a change reads that office's notices and last change, nothing else");
  t.not(second, first, 'a new snapshot');
  t.equal(second.index, first.index, 'the matcher index is kept (the register did not change)');

  view.invalidate(null, null);
  await view.snapshot();
  t.ok(queries - loading - 2 >= loading, 'a notification without offices reloads everything');

  view.setListening(false);
  const before = queries;
  await view.snapshot();
  await view.snapshot();
  t.ok(queries - before >= 2 * loading, 'while notifications may be missed, every read loads afresh');
  const together = queries;
  const snapshots = await Promise.all(Array.from({ length: 10 }, () => view.snapshot()));
  t.ok(queries - together <= 2 * loading, `ten reads at once share at most two loads (${queries - together} queries)`);
  t.equal(snapshots.filter((s) => s.inBusiness.length === 630).length, 10);
});

void t.test('GET /offices pages with limit and cursor, and a search pages in relevance order', async (t) => {
  const { app } = await apiFixture(t);
  type Page = { offices: { id: string }[]; count: number; total: number; next: string | null };
  const get = async (url: string) => {
    const res = await app.inject(url);
    t.equal(res.statusCode, 200, url);
    return res.json<Page>();
  };
  const all = await get('/offices');
  t.equal(all.count, 630);
  t.equal(all.total, 630);
  t.equal(all.next, null, 'one page without a limit, as before');
  const walked: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page = await get(`/offices?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    t.ok(page.count <= 100);
    t.equal(page.total, 630);
    walked.push(...page.offices.map((o) => o.id));
    cursor = page.next;
    pages++;
  } while (cursor !== null && pages < 20);
  t.equal(pages, 7);
  t.same(
    walked,
    all.offices.map((o) => o.id),
    'every office once, in order',
  );

  const leeds = await get('/offices?q=leeds');
  t.ok(leeds.total >= 4);
  const first = await get('/offices?q=leeds&limit=2');
  const rest = await get(`/offices?q=leeds&limit=50&cursor=${first.next}`);
  t.same(
    [...first.offices, ...rest.offices].map((o) => o.id),
    leeds.offices.map((o) => o.id),
    'the pages of a search keep its order',
  );
  t.equal(rest.next, null);
  const bad = await app.inject('/offices?limit=0');
  t.equal(bad.statusCode, 400);
  t.match(bad.headers['content-type'], /problem\+json/);
  t.equal((await app.inject('/offices?cursor=NOT%20AN%20ID')).statusCode, 400);
});

void t.test("a write on one instance is in the other's lists at its next read", async (t) => {
  const { app, database, cumbria, bearer } = await apiFixture(t);
  const other = await buildApp({ database, migrations });
  t.teardown(() => other.close());
  await Promise.all([app.ready(), other.ready()]);
  while (!other.representations.isListening || !app.representations.isListening)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const closedOn = async (instance: typeof app) =>
    (await instance.inject('/offices?status=closed')).json<{ offices: { id: string }[] }>().offices.map((o) => o.id);
  t.same(await closedOn(other), []);
  for (const [status, expected] of [
    ['closed', ['carlisle-8504']],
    ['open', []],
  ] as const) {
    const posted = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: bearer(cumbria),
      payload: status === 'closed' ? { status, cause: 'weather' } : { status },
    });
    t.equal(posted.statusCode, 201);
    t.same(await closedOn(other), expected, `${status}: the other instance's list`);
    t.same(await closedOn(app), expected, `${status}: the writer's list`);
    const changed = (
      await other.inject(`/offices?changedSince=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`)
    ).json<{ offices: { id: string }[] }>();
    t.same(
      changed.offices.map((o) => o.id),
      ['carlisle-8504'],
      'changedSince',
    );
  }
});
