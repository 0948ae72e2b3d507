import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './types.js';

const OID_DATE = 1082;

// `date` stays 'YYYY-MM-DD' text: parsing it into a JS Date would shift it by the
// process's time zone. pg and PGlite both get the same rule.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID_DATE) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

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
    // Without a listener, a server restart kills the process through an idle client's error.
    pool.on('error', (error) => options.onPoolError?.(error));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const pglite = options.pglite ?? (await openPglite(options.pgliteDataDir ?? '.data/pglite'));
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
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
