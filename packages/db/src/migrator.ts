import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { liftStatementTimeout } from './connection.js';
import { MigrationError } from './errors.js';
import { takeLock } from './locks.js';
import { migrationsDir } from './paths.js';
import { splitSqlStatements } from './sql-split.js';
import type { DB } from './types.js';

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function checksumOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

/** Reads `NNNN_name.sql` files in version order; any other .sql name is an error. */
export async function readMigrations(dir: string = migrationsDir): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match?.[1] || !match[2]) {
      throw new MigrationError('MIGRATION_BAD_FILE', `migration file "${file}" is not named NNNN_name.sql`);
    }
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new MigrationError('MIGRATION_BAD_FILE', `two migration files have version ${match[1]}`);
    }
    const text = await readFile(join(dir, file), 'utf8');
    migrations.push({ version, name: match[2], file, sql: text, checksum: checksumOf(text) });
  }
  return migrations;
}

async function ensureTable(trx: Transaction<DB>): Promise<void> {
  await sql`create table if not exists schema_migrations (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(trx);
}

function verifyApplied(
  applied: { version: number; name: string; checksum: string }[],
  migrations: MigrationFile[],
  log?: MigrationLog,
) {
  for (const row of applied) {
    const file = migrations.find((m) => m.version === row.version);
    if (!file) {
      // A newer release applied it (rolling deploy); this release can still run.
      log?.warn({ version: row.version, name: row.name }, 'database has a migration this release does not know');
      continue;
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        'MIGRATION_EDITED',
        `migration ${file.file} was edited after it was applied (checksum ${file.checksum.slice(0, 12)}, ` +
          `applied ${row.checksum.slice(0, 12)}). Landed migrations are never edited: restore the file and add a new migration.`,
      );
    }
  }
}

/**
 * Applies pending migrations, each in its own transaction under a transaction-level
 * advisory lock: a second instance starting at the same time waits, then finds the
 * migration recorded and skips it. Edited migrations are refused before anything runs.
 */
export async function migrate(db: Kysely<DB>, migrations: MigrationFile[], log?: MigrationLog): Promise<string[]> {
  const appliedNow: string[] = [];
  for (;;) {
    const next = await db.transaction().execute(async (trx) => {
      // A migration may rewrite a large table, and an instance starting beside one that is
      // migrating waits for it: neither is held to the statement deadline.
      await liftStatementTimeout(trx);
      // One key for every instance (LOCKS.migration): migrators queue behind each other.
      await takeLock(trx, 'migration');
      await ensureTable(trx);
      const applied = await trx.selectFrom('schema_migrations').select(['version', 'name', 'checksum']).execute();
      verifyApplied(applied, migrations, log);
      const done = new Set(applied.map((r) => r.version));
      const pending = migrations.find((m) => !done.has(m.version));
      if (!pending) return null;
      const statements = splitSqlStatements(pending.sql);
      for (const [index, statement] of statements.entries()) {
        try {
          await sql.raw(statement).execute(trx);
        } catch (error) {
          throw new MigrationError(
            'MIGRATION_FAILED',
            `migration ${pending.file} failed at statement ${index + 1} of ${statements.length}: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      await trx
        .insertInto('schema_migrations')
        .values({ version: pending.version, name: pending.name, checksum: pending.checksum })
        .execute();
      return pending;
    });
    if (!next) return appliedNow;
    log?.info({ migration: next.file }, 'migration applied');
    appliedNow.push(next.file);
  }
}

/** Migrations not yet applied (for readiness); throws if the database is unreachable. */
export async function pendingMigrations(db: Kysely<DB>, migrations: MigrationFile[]): Promise<MigrationFile[]> {
  const exists = await sql<{ name: string | null }>`select to_regclass('schema_migrations')::text as name`.execute(db);
  if (!exists.rows[0]?.name) return migrations;
  const applied = await db.selectFrom('schema_migrations').select(['version', 'checksum']).execute();
  const byVersion = new Map(applied.map((r) => [r.version, r.checksum]));
  return migrations.filter((m) => byVersion.get(m.version) !== m.checksum);
}
