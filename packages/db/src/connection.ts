import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './types.js';

const OID_DATE = 1082;

// `date` stays 'YYYY-MM-DD' text: parsing it into a JS Date would shift it by the
// process's time zone. pg and PGlite both get the same rule.
const keepText = (value: string): string => value;
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === OID_DATE ? keepText : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite database is used. */
  url?: string | undefined;
  /** PGlite data folder, or 'memory://' for a throwaway database. */
  pgliteDataDir?: string;
  /** An already open PGlite instance (tests load one from a template). */
  pglite?: PGlite;
  poolMax?: number;
  /** Called for errors on idle pooled connections, which must not crash the process. */
  onPoolError?: (error: Error) => void;
  applicationName?: string;
}

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'jcp-status',
      types: pgTypes,
    });
    // pg emits 'error' on a connection the server drops; with no listener that is an
    // uncaught exception. The pool listens only to idle connections, so every client
    // gets its own listener from birth (the pool still discards the broken ones).
    const onError = (error: Error) => options.onPoolError?.(error);
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const pglite = options.pglite ?? (await openPglite(options.pgliteDataDir ?? '.data/pglite'));
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  const close = async () => {
    await db.destroy();
    // Kysely's PGlite driver takes hold of the instance on its first query only; an
    // instance never queried would stay open and keep the process alive.
    if (!pglite.closed) await pglite.close();
  };
  return { db, kind: 'pglite', close };
}

export const pgliteParsers = { [OID_DATE]: (value: string) => value };

export async function openPglite(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(dataDir.startsWith('memory://') ? {} : { dataDir }),
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers: pgliteParsers,
  });
  await pglite.waitReady;
  return pglite;
}
