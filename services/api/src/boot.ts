import type { Config } from '@jcp/config';
import {
  backfillOfficeStatus,
  createDatabase,
  pendingMigrations,
  importOfficeRegistry,
  migrate,
  readMigrations,
  readRegistryFiles,
  type Database,
  type MigrationFile,
} from '@jcp/db';
import type { Logger } from '@jcp/log';

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const log = logger.child({ module: 'database' });
  const database = await createDatabase({
    url: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    onPoolError: (error) => log.warn({ err: error }, 'idle database connection failed'),
  });
  log.info(
    database.kind === 'pglite' ? { kind: 'pglite', dataDir: config.PGLITE_DATA_DIR } : { kind: 'postgres' },
    'database opened',
  );
  return database;
}

/** Migrates (unless disabled) and seeds the office registry into an empty database. */
export async function prepareDatabase(config: Config, database: Database, logger: Logger): Promise<MigrationFile[]> {
  const migrations = await readMigrations();
  if (config.MIGRATE_ON_START) {
    const applied = await migrate(database.db, migrations, logger.child({ module: 'migrator' }));
    logger.info({ applied: applied.length }, 'migrations up to date');
  }
  const pending = await pendingMigrations(database.db, migrations);
  if (pending.length > 0) {
    // Serving would fail on every request; say why instead (MIGRATE_ON_START=false, or an edited migration).
    throw new Error(
      `${pending.length} migration(s) not applied (${pending.map((m) => m.file).join(', ')}): run pnpm migrate, or set MIGRATE_ON_START=true`,
    );
  }
  const backfilled = await backfillOfficeStatus(database.db, new Date());
  if (backfilled > 0)
    logger.info({ offices: backfilled }, 'materialised the status of offices with notices from before the change feed');
  if (config.IMPORT_REGISTRY_ON_EMPTY) {
    const any = await database.db.selectFrom('offices').select('id').limit(1).executeTakeFirst();
    if (!any) {
      const report = await importOfficeRegistry(database.db, await readRegistryFiles(), { actor: 'system:seed' });
      logger.info(
        { inserted: report.inserted, rejected: report.rejected.length, accounts: report.accountsCreated },
        'office registry seeded',
      );
    }
  }
  return migrations;
}
