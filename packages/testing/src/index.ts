import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDatabase, migrate, openPglite, readMigrations, repoRoot, type Database } from '@jcp/db';
import pg from 'pg';

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestDatabase extends Database {
  /** postgres:// URL of the isolated database (PostgreSQL mode only). */
  url: string | undefined;
}

/** The PostgreSQL server tests run against; without it they run on PGlite. */
export const testServerUrl = process.env.TEST_DATABASE_URL || undefined;

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the test server; dropped (forcibly) at teardown. */
export async function createEmptyPostgresDatabase(t: Teardown, serverUrl: string): Promise<string> {
  const name = `jcp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  t.teardown(() => adminQuery(serverUrl, `drop database if exists ${name} with (force)`));
  return databaseUrl(serverUrl, name);
}

// PGlite takes seconds to initialise a data folder, so each kind of database is
// built once, dumped to .data/, and every test file loads its own copy from it.
async function pgliteTemplate(migrated: boolean): Promise<Blob> {
  const migrations = migrated ? await readMigrations() : [];
  const key = migrations.map((m) => m.checksum.slice(0, 8)).join('-') || 'empty';
  const dir = join(repoRoot, '.data', 'test-templates');
  const file = join(dir, `pglite-${key}.tar.gz`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    const pglite = await openPglite('memory://');
    const database = await createDatabase({ pglite });
    if (migrated) await migrate(database.db, migrations);
    const dump = await pglite.dumpDataDir('gzip');
    await database.close();
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, file);
    return dump;
  }
}

/**
 * An isolated database for one test file: a new database on the PostgreSQL server
 * named by TEST_DATABASE_URL, or a new in-memory PGlite. Migrated unless told not to.
 */
export async function createTestDatabase(t: Teardown, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrate ?? true;
  if (testServerUrl) {
    const url = await createEmptyPostgresDatabase(t, testServerUrl);
    const database = await createDatabase({ url, poolMax: 5 });
    t.teardown(() => database.close());
    if (migrated) await migrate(database.db, await readMigrations());
    return { ...database, url };
  }
  const pglite = await openPglite('memory://', await pgliteTemplate(migrated));
  const database = await createDatabase({ pglite });
  t.teardown(() => database.close());
  return { ...database, url: undefined };
}
export * from './tcp-proxy.js';
export * from './process.js';
