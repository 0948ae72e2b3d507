import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@jcp/testing';
import { sql } from 'kysely';
import t from 'tap';
import { checksumOf, migrate, MigrationError, pendingMigrations, readMigrations, type MigrationFile } from '@jcp/db';

function migration(version: number, name: string, text: string): MigrationFile {
  return {
    version,
    name,
    file: `${String(version).padStart(4, '0')}_${name}.sql`,
    sql: text,
    checksum: checksumOf(text),
  };
}

void t.test('applies migrations in version order, once, and records checksums', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: false });
  const files = [
    migration(1, 'one', 'create table m_one (id int primary key);'),
    migration(2, 'two', "insert into m_one values (1); create table m_two (note text default 'a;b');"),
  ];
  t.same(await migrate(db, files), ['0001_one.sql', '0002_two.sql']);
  t.same(await migrate(db, files), [], 'a second run applies nothing');
  const rows = await db
    .selectFrom('schema_migrations')
    .select(['version', 'name', 'checksum'])
    .orderBy('version')
    .execute();
  t.same(
    rows,
    files.map((f) => ({ version: f.version, name: f.name, checksum: f.checksum })),
  );
  const ones = await sql<{ n: number }>`select count(*)::int as n from m_one`.execute(db);
  t.equal(ones.rows[0]?.n, 1, 'the insert of migration 2 ran exactly once');
  t.same(await pendingMigrations(db, files), []);
  const added = [...files, migration(3, 'three', 'create table m_three (id int);')];
  t.same(
    (await pendingMigrations(db, added)).map((m) => m.version),
    [3],
  );
  t.same(await migrate(db, added), ['0003_three.sql']);
});

void t.test('refuses an applied migration that was edited, and applies nothing after it', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: false });
  await migrate(db, [migration(1, 'one', 'create table e_one (id int);')]);
  const edited = [
    migration(1, 'one', 'create table e_one (id int, extra text);'),
    migration(2, 'two', 'create table e_two (id int);'),
  ];
  const error = await migrate(db, edited).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(error instanceof MigrationError);
  t.equal((error as MigrationError).code, 'MIGRATION_EDITED');
  t.match((error as Error).message, /0001_one\.sql was edited after it was applied/);
  const two = await sql<{ name: string | null }>`select to_regclass('e_two')::text as name`.execute(db);
  t.equal(two.rows[0]?.name, null, 'migration 2 did not run');
  t.same(
    (await pendingMigrations(db, edited)).map((m) => m.version),
    [1, 2],
    'readiness sees the edited migration as not applied',
  );
});

void t.test('a failing migration rolls back whole and names the statement', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: false });
  const bad = migration(1, 'bad', 'create table f_one (id int);\nselect * from no_such_table;');
  const error = await migrate(db, [bad]).then(
    () => null,
    (e: unknown) => e,
  );
  t.match((error as Error).message, /0001_bad\.sql failed at statement 2 of 2/);
  const one = await sql<{ name: string | null }>`select to_regclass('f_one')::text as name`.execute(db);
  t.equal(one.rows[0]?.name, null, 'the first statement was rolled back');
  t.same(
    (await pendingMigrations(db, [bad])).map((m) => m.file),
    ['0001_bad.sql'],
    'nothing was recorded',
  );
});

void t.test('two migrators at once apply each migration once', async (t) => {
  const { db } = await createTestDatabase(t, { migrate: false });
  const files = [
    migration(1, 'one', 'create table c_one (id int primary key); insert into c_one values (1);'),
    migration(2, 'two', 'create table c_two (id int primary key); select pg_sleep(0.2); insert into c_two values (1);'),
  ];
  const [a, b] = await Promise.all([migrate(db, files), migrate(db, files)]);
  t.same([...a, ...b].sort(), ['0001_one.sql', '0002_two.sql'], 'each file applied by exactly one of them');
  const rows = await db.selectFrom('schema_migrations').select('version').execute();
  t.equal(rows.length, 2);
});

void t.test('readMigrations reads NNNN_name.sql in order and refuses other names', async (t) => {
  const real = await readMigrations();
  t.ok(real.length >= 2);
  t.same(
    real.map((m) => m.version),
    [...real.map((m) => m.version)].sort((x, y) => x - y),
  );
  const dir = await mkdtemp(join(tmpdir(), 'jcp-migrations-'));
  await writeFile(join(dir, '0002_b.sql'), 'select 2;');
  await writeFile(join(dir, '0001_a.sql'), 'select 1;');
  t.same(
    (await readMigrations(dir)).map((m) => m.file),
    ['0001_a.sql', '0002_b.sql'],
  );
  await writeFile(join(dir, 'oops.sql'), 'select 3;');
  await t.rejects(readMigrations(dir), { code: 'MIGRATION_BAD_FILE' });
});
