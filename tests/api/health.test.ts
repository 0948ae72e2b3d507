import { buildApp } from '@jcp/api';
import { createDatabase, readMigrations, type Database } from '@jcp/db';
import {
  createEmptyPostgresDatabase,
  createTestDatabase,
  startTcpProxy,
  testServerUrl,
  type Teardown,
} from '@jcp/testing';
import t from 'tap';

const migrations = await readMigrations();

async function appOn(t: Teardown, database: Database) {
  const app = await buildApp({ database, migrations });
  t.teardown(() => app.close());
  return app;
}

void t.test('healthz and readyz answer 200 on a migrated database', async (t) => {
  const database = await createTestDatabase(t);
  const app = await appOn(t, database);
  const health = await app.inject('/healthz');
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  t.equal(health.headers['cache-control'], 'no-store');
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', database: database.kind });
});

void t.test('readyz is 503 while migrations are pending', async (t) => {
  const database = await createTestDatabase(t, { migrate: false });
  const app = await appOn(t, database);
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.match(ready.headers['content-type'], /^application\/problem\+json/);
  t.match(ready.json(), { status: 503, checks: { database: 'ok', pendingMigrations: migrations.map((m) => m.file) } });
});

void t.test('an unknown route is a problem+json 404', async (t) => {
  const database = await createTestDatabase(t);
  const app = await appOn(t, database);
  const res = await app.inject('/offices/nowhere/at/all');
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), { title: 'Not Found', status: 404, instance: '/offices/nowhere/at/all' });
});

void t.test('readyz fails while the database is unreachable, healthz stays up', async (t) => {
  // A port nothing listens on: connection refused.
  const database = await createDatabase({ url: 'postgres://postgres@127.0.0.1:9/jcp', poolMax: 1 });
  t.teardown(() => database.close());
  const app = await appOn(t, database);
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.match(ready.json(), { checks: { database: 'unreachable' } });
  t.equal((await app.inject('/healthz')).statusCode, 200);
});

void t.test(
  'readiness recovers when a PostgreSQL outage ends',
  { skip: testServerUrl ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' },
  async (t) => {
    const url = new URL(await createEmptyPostgresDatabase(t, testServerUrl ?? ''));
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    t.teardown(() => proxy.close());
    url.host = `127.0.0.1:${proxy.port}`;
    const database = await createDatabase({ url: url.toString(), poolMax: 2 });
    t.teardown(() => database.close());
    const { migrate } = await import('@jcp/db');
    await migrate(database.db, migrations);
    const app = await appOn(t, database);
    t.equal((await app.inject('/readyz')).statusCode, 200, 'ready before the outage');
    proxy.cut();
    const during = await app.inject('/readyz');
    t.equal(during.statusCode, 503, 'not ready during the outage');
    t.equal(during.headers['retry-after'], '5');
    proxy.restore();
    t.equal((await app.inject('/readyz')).statusCode, 200, 'ready again after it, without a restart');
  },
);
