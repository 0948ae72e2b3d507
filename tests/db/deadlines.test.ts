// Every PostgreSQL connection carries deadlines: a statement that runs too long is
// cancelled, a transaction left idle is ended (its locks released), while a session that
// merely holds an advisory lock outside a transaction (the mention ingester's) is left alone,
// and migrations and imports lift the statement deadline for their own transaction.
import {
  checksumOf,
  createDatabase,
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  liftStatementTimeout,
  migrate,
  type MigrationFile,
} from '@jcp/db';
import { createEmptyPostgresDatabase, testServerUrl, type Teardown } from '@jcp/testing';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';

if (!testServerUrl) {
  // PGlite runs no timers in its single-user backend: the deadlines are PostgreSQL's.
  t.pass('deadlines apply to PostgreSQL only (TEST_DATABASE_URL unset)');
} else {
  const serverUrl = testServerUrl;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const open = async (
    t: Teardown,
    deadlines: { statementTimeoutMs?: number; idleInTransactionTimeoutMs?: number } = {},
  ) => {
    const url = await createEmptyPostgresDatabase(t, serverUrl);
    const database = await createDatabase({ url, poolMax: 3, ...deadlines });
    t.teardown(() => database.close());
    return { ...database, url };
  };

  void t.test('every pooled connection has the default deadlines unless told otherwise', async (t) => {
    const { db } = await open(t);
    const shown = await sql<{ statement: string; idle: string }>`
      select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle`.execute(
      db,
    );
    t.same(shown.rows[0], {
      statement: `${DEFAULT_STATEMENT_TIMEOUT_MS / 1000}s`,
      idle: `${DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS / 1000}s`,
    });
    t.equal(DEFAULT_STATEMENT_TIMEOUT_MS, 15_000);
    t.equal(DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS, 30_000);
  });

  void t.test('a statement running past its deadline is cancelled; the pool goes on', async (t) => {
    const { db } = await open(t, { statementTimeoutMs: 1_000 });
    const started = Date.now();
    const error = await sql`select pg_sleep(5)`.execute(db).then(
      () => null,
      (e: unknown) => e as { code?: string },
    );
    t.equal(error?.code, '57014', 'query_canceled: statement timeout');
    t.ok(Date.now() - started < 4_000, 'well before the statement would have ended');
    t.same((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }]);
  });

  void t.test('a transaction left idle past its deadline is ended and its row locks released', async (t) => {
    const { db } = await open(t, { idleInTransactionTimeoutMs: 1_000 });
    await sql`create table deadline_rows (id int primary key, n int)`.execute(db);
    await sql`insert into deadline_rows values (1, 0)`.execute(db);
    const stalled = db.transaction().execute(async (trx) => {
      await sql`update deadline_rows set n = 1 where id = 1`.execute(trx);
      // A process stalled here (a hung call, a paused VM) would hold the row's lock.
      await sleep(2_500);
      await sql`select 1`.execute(trx);
    });
    const failed = await stalled.then(
      () => null,
      (e: unknown) => e as Error,
    );
    t.ok(failed, 'the stalled transaction failed');
    const row = await sql<{ n: number }>`update deadline_rows set n = n + 10 where id = 1 returning n`.execute(db);
    t.same(row.rows, [{ n: 10 }], 'its update was rolled back and the row is free');
  });

  void t.test("a session advisory lock (the mention ingester's) outlives both deadlines", async (t) => {
    const database = await open(t, { statementTimeoutMs: 1_000, idleInTransactionTimeoutMs: 1_000 });
    let lost = false;
    const release = await database.tryLock(4242, () => {
      lost = true;
    });
    t.ok(release, 'taken');
    // Longer than both deadlines and than a ping interval of the lock connection (5 s).
    await sleep(6_000);
    t.notOk(lost, 'not reported lost');
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    t.teardown(() => other.end());
    t.same(
      (await other.query<{ locked: boolean }>('select pg_try_advisory_lock(4242) as locked')).rows,
      [{ locked: false }],
      'still held by the first session',
    );
    await release?.();
    t.same(
      (await other.query<{ locked: boolean }>('select pg_try_advisory_lock(4242) as locked')).rows,
      [{ locked: true }],
      'free once released',
    );
  });

  void t.test('a migration may run past the statement deadline; the next transaction has it back', async (t) => {
    const { db } = await open(t, { statementTimeoutMs: 1_000 });
    const text = 'select pg_sleep(1.5); create table slow_migration (id int);';
    const slow: MigrationFile = {
      version: 1,
      name: 'slow',
      file: '0001_slow.sql',
      sql: text,
      checksum: checksumOf(text),
    };
    t.same(await migrate(db, [slow]), ['0001_slow.sql']);
    const error = await sql`select pg_sleep(1.5)`.execute(db).then(
      () => null,
      (e: unknown) => e as { code?: string },
    );
    t.equal(error?.code, '57014', 'SET LOCAL: lifted for the migration only');
    await db.transaction().execute(async (trx) => {
      await liftStatementTimeout(trx);
      await sql`select pg_sleep(1.2)`.execute(trx);
    });
    t.pass('liftStatementTimeout lets a transaction of long work run');
  });
}
