import { readFile } from 'node:fs/promises';
import { buildApp } from '@jcp/api';
import { appendNotice, importOfficeRegistry, readMigrations, readRegistryFiles } from '@jcp/db';
import { createTestDatabase } from '@jcp/testing';
import t from 'tap';
import { generateOpenApi, openApiFile } from '../../scripts/openapi.js';

const migrations = await readMigrations();
const registry = await readRegistryFiles();

void t.test('GET /offices/:id gives the office and its current status, with ETag and 304', async (t) => {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, registry, { actor: 'test' });
  // Notices are written below the API (no NOTIFY), so reads must not come from a cache.
  const app = await buildApp({ database, migrations, cache: false });
  t.teardown(() => app.close());

  const open = await app.inject('/offices/carlisle-8504');
  t.equal(open.statusCode, 200);
  t.match(open.json(), {
    id: 'carlisle-8504',
    name: 'Carlisle',
    postcode: 'CA3 8DA',
    district: { code: '105', name: 'Cumbria and Lancashire' },
    currentStatus: { status: 'open', stale: false, noticeId: null, since: null },
  });
  t.match(open.headers['cache-control'], /max-age=15/);
  const etag = open.headers.etag as string;
  t.match(etag, /^"[A-Za-z0-9_-]+"$/);
  const notModified = await app.inject({ url: '/offices/carlisle-8504', headers: { 'if-none-match': etag } });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '');

  const now = new Date();
  await database.db.transaction().execute((trx) =>
    appendNotice(
      trx,
      {
        officeIds: ['carlisle-8504'],
        author: 'manager:cumbria',
        draft: {
          status: 'closed',
          cause: 'weather',
          message: 'Closed: snow',
          activeFrom: now,
          activeUntil: null,
          expectedReopenAt: null,
          reopenCertainty: 'unknown',
        },
      },
      now,
    ),
  );
  const closed = await app.inject({ url: '/offices/carlisle-8504', headers: { 'if-none-match': etag } });
  t.equal(closed.statusCode, 200, 'a changed status is not 304');
  t.match(closed.json(), { currentStatus: { status: 'closed', cause: 'weather', message: 'Closed: snow' } });
  t.not(closed.headers.etag, etag);

  const cy = await app.inject('/offices/wrexham-9673');
  const { aliases } = cy.json<{ aliases: { alias: string; language: string }[] }>();
  t.ok(aliases.some((a) => a.alias === 'Wrecsam' && a.language === 'cy'));
});

void t.test(
  'GET /offices filters by account, district and status, and searches names, Welsh names and postcodes',
  async (t) => {
    const database = await createTestDatabase(t);
    await importOfficeRegistry(database.db, registry, { actor: 'test' });
    const app = await buildApp({ database, migrations });
    t.teardown(() => app.close());
    type List = {
      count: number;
      offices: { id: string; currentStatus: { status: string }; match?: { rank: number; reason: string } }[];
    };
    const get = async (query: string) => {
      const res = await app.inject(`/offices${query}`);
      t.equal(res.statusCode, 200, query);
      return res.json<List>();
    };
    t.equal((await get('')).count, 630, 'every office still open for business (Bishop Auckland closed for good)');
    t.same(
      (await get('?q=Wrecsam')).offices.map((o) => o.id),
      ['wrexham-9673'],
    );
    // The Welsh and the English name find the same office first; the English one also finds,
    // after it, an office addressed in Swansea (a town match, ranked below the name).
    t.match((await get('?q=abertawe')).offices, [
      { id: 'swansea-9854', match: { rank: 1, reason: 'welsh-name', matched: 'Abertawe' } },
    ]);
    t.match((await get('?q=swansea')).offices, [
      { id: 'swansea-9854', match: { rank: 1, reason: 'name', matched: 'Swansea' } },
      { id: 'ystradgynlais-9679', match: { rank: 2, reason: 'town' } },
    ]);
    t.match((await get('?q=carslile')).offices, [{ id: 'carlisle-8504', match: { reason: 'fuzzy' } }], 'a typo');
    t.same(
      (await get('?q=Carlisle%20jobcentre')).offices.map((o) => o.id),
      ['carlisle-8504'],
      'noise words',
    );
    t.same(
      (await get('?q=ca3%208da')).offices.map((o) => o.id),
      ['carlisle-8504'],
      'full postcode',
    );
    t.ok(
      (await get('?q=CA3')).offices.some((o) => o.id === 'carlisle-8504'),
      'outward code',
    );
    t.ok((await get('?q=leeds')).count >= 2, 'an ambiguous town gives every office');
    const district = await get('?district=105');
    t.ok(district.count > 5);
    t.ok(district.offices.every((o) => o.id !== 'aberdare-9820'));
    const now = new Date();
    await database.db.transaction().execute((trx) =>
      appendNotice(
        trx,
        {
          officeIds: ['carlisle-8504', 'aberdare-9820'],
          author: 'm',
          draft: {
            status: 'closed',
            cause: 'flooding',
            message: null,
            activeFrom: now,
            activeUntil: null,
            expectedReopenAt: null,
            reopenCertainty: 'unknown',
          },
        },
        now,
      ),
    );
    // Written behind the app's back (states the API would not write, such as a closure
    // already stale): the app is told as a write's NOTIFY tells every instance.
    app.representations.notified(null);
    t.same(
      (await get('?status=closed')).offices.map((o) => o.id),
      ['aberdare-9820', 'carlisle-8504'],
    );
    t.same(
      (await get('?status=closed&district=105')).offices.map((o) => o.id),
      ['carlisle-8504'],
    );
    for (const bad of ['?status=shut', '?q=x', `?q=${'x'.repeat(101)}`]) {
      const res = await app.inject(`/offices${bad}`);
      t.equal(res.statusCode, 400, bad);
      t.match(res.headers['content-type'], /application\/problem\+json/);
    }
  },
);

void t.test(
  'GET /statuses gives every office in one document that changes its ETag when a status changes',
  async (t) => {
    const database = await createTestDatabase(t);
    await importOfficeRegistry(database.db, registry, { actor: 'test' });
    // Notices are written below the API (no NOTIFY), so reads must not come from a cache.
    const app = await buildApp({ database, migrations, cache: false });
    t.teardown(() => app.close());
    const first = await app.inject('/statuses');
    t.equal(first.statusCode, 200);
    const doc = first.json<{ count: number; offices: Record<string, { status: string }> }>();
    t.equal(doc.count, 630);
    t.equal(Object.keys(doc.offices).length, 630);
    t.ok(Object.values(doc.offices).every((o) => o.status === 'open'));
    t.ok(first.body.length < 120_000, `compact: ${first.body.length} bytes`);
    const etag = first.headers.etag as string;
    t.equal((await app.inject({ url: '/statuses', headers: { 'if-none-match': etag } })).statusCode, 304);
    const now = new Date();
    await database.db.transaction().execute((trx) =>
      appendNotice(
        trx,
        {
          officeIds: ['carlisle-8504'],
          author: 'm',
          draft: {
            status: 'delayed',
            cause: 'weather',
            message: null,
            activeFrom: now,
            activeUntil: null,
            expectedReopenAt: new Date(now.getTime() + 3_600_000),
            reopenCertainty: 'confirmed',
          },
        },
        now,
      ),
    );
    const second = await app.inject({ url: '/statuses', headers: { 'if-none-match': etag } });
    t.equal(second.statusCode, 200);
    t.match(second.json(), { offices: { 'carlisle-8504': { status: 'delayed', cause: 'weather', stale: false } } });
  },
);

void t.test('unknown and malformed office ids are problem+json 404 and 400', async (t) => {
  const database = await createTestDatabase(t);
  const app = await buildApp({ database, migrations });
  t.teardown(() => app.close());
  const missing = await app.inject('/offices/atlantis-1');
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /application\/problem\+json/);
  t.match(missing.json(), { status: 404, detail: 'No office atlantis-1' });
  const cases: [string, number][] = [
    ['Carlisle-8504', 400],
    ['-x', 400],
    [`a${'b'.repeat(150)}`, 400],
    [`a${'b'.repeat(300)}`, 414],
    ['x%20y', 400],
    ['%E0%A4%A', 400],
  ];
  for (const [bad, status] of cases) {
    const res = await app.inject(`/offices/${bad}`);
    t.equal(res.statusCode, status, bad);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { status, type: /^https:/ });
  }
});

void t.test(
  'GET /offices?cluster= (renamed account in 0.2.0) is refused, not answered with every office',
  async (t) => {
    const database = await createTestDatabase(t);
    await importOfficeRegistry(database.db, await readRegistryFiles(), { actor: 'test' });
    const app = await buildApp({ database, migrations });
    t.teardown(() => app.close());
    const old = await app.inject('/offices?cluster=district-105');
    t.equal(old.statusCode, 400);
    t.match(old.headers['content-type'], /application\/problem\+json/);
    t.match(old.body, /renamed account/);
    const renamed = (await app.inject('/offices?account=district-105')).json<{ count: number }>();
    const all = (await app.inject('/offices')).json<{ count: number }>();
    t.ok(renamed.count > 0 && renamed.count < all.count, `account filters: ${renamed.count} of ${all.count}`);
  },
);

void t.test('openapi/openapi.json matches the routes', async (t) => {
  const generated = await generateOpenApi();
  const committed = await readFile(openApiFile, 'utf8');
  t.equal(committed, generated, 'run pnpm openapi and commit the result');
  const doc = JSON.parse(generated) as { openapi: string; paths: Record<string, unknown> };
  t.equal(doc.openapi, '3.1.0');
  t.ok(doc.paths['/offices/{officeId}']);
});
