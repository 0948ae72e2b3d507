import { createDatabase, readMigrations } from '@jcp/db';
import { createEmptyPostgresDatabase, runScript, testServerUrl } from '@jcp/testing';
import t from 'tap';

// Two real processes need a real server: PGlite is embedded in one process.
// (On PGlite, tests/db/migrator.test.ts runs two migrators at once in one process.)
void t.test(
  'two processes migrating one database at once both succeed and apply each migration once',
  { skip: testServerUrl ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' },
  async (t) => {
    const url = await createEmptyPostgresDatabase(t, testServerUrl ?? '');
    const env = { DATABASE_URL: url, LOG_LEVEL: 'info' };
    const [a, b] = await Promise.all([
      runScript('services/api/src/cli/migrate.ts', [], env),
      runScript('services/api/src/cli/migrate.ts', [], env),
    ]);
    t.equal(a.code, 0, a.stderr);
    t.equal(b.code, 0, b.stderr);
    const migrations = await readMigrations();
    const reported = [a.stdout, b.stdout].join('\n');
    for (const m of migrations)
      t.equal(reported.split(m.file).length - 1, 1, `${m.file} reported applied by exactly one process`);
    const database = await createDatabase({ url });
    t.teardown(() => database.close());
    const rows = await database.db.selectFrom('schema_migrations').select('version').execute();
    t.equal(rows.length, migrations.length);
  },
);

void t.test(
  'an edited migration makes pnpm migrate exit 1 with a clear message',
  { skip: testServerUrl ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' },
  async (t) => {
    const url = await createEmptyPostgresDatabase(t, testServerUrl ?? '');
    t.equal((await runScript('services/api/src/cli/migrate.ts', [], { DATABASE_URL: url })).code, 0);
    const database = await createDatabase({ url });
    t.teardown(() => database.close());
    // Simulate an edit of the landed file: the recorded checksum no longer matches.
    await database.db
      .updateTable('schema_migrations')
      .set({ checksum: 'f'.repeat(64) })
      .where('version', '=', 1)
      .execute();
    const run = await runScript('services/api/src/cli/migrate.ts', [], { DATABASE_URL: url });
    t.equal(run.code, 1);
    t.match(run.stderr, /migration 0001_registry\.sql was edited after it was applied/);
  },
);
