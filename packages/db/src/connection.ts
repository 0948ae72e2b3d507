import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { sessionDeadlines, type DatabaseOptions } from './database-options.js';
import { pgTypes } from './parsers.js';
import { lockDataDir, openPglite } from './pglite.js';
import { listenOnPostgres, lockOnPostgres } from './pg-sessions.js';
import type { DB } from './types.js';

export {
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  type DatabaseOptions,
} from './database-options.js';
export { pgliteParsers } from './parsers.js';
export { openPglite } from './pglite.js';

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'postgres' | 'pglite';
  /**
   * LISTENs on a channel on a connection of its own, reconnecting after a failure.
   * `onState(false)` says notifications may be missed from now on; `onState(true)`
   * says they flow again (callers that cache must drop what they hold on both).
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onState?: (listening: boolean) => void,
  ): Promise<() => Promise<void>>;
  /**
   * Tries to take a session advisory lock, held on a connection of its own until
   * released or until that connection fails (then `onLost` is called: the lock is gone
   * with it). Null when someone else holds it.
   */
  tryLock(key: number, onLost: () => void): Promise<(() => Promise<void>) | null>;
  close(): Promise<void>;
}

/**
 * Lifts the statement deadline for the rest of this transaction only (SET LOCAL): for the
 * work an operator starts and waits for, whose statements may rightly run long or wait long
 * for another instance's lock (migrations, importing a register).
 */
export async function liftStatementTimeout(trx: Transaction<DB>): Promise<void> {
  await sql`set local statement_timeout = 0`.execute(trx);
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
      ...sessionDeadlines(options),
    });
    // pg emits 'error' on a connection the server drops; with no listener that is an
    // uncaught exception. The pool listens only to idle connections, so every client
    // gets its own listener from birth (the pool still discards the broken ones).
    const onError = (error: Error) => options.onPoolError?.(error);
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const listeners = new Set<() => Promise<void>>();
    const listen: Database['listen'] = async (channel, onMessage, onState) => {
      const stop = await listenOnPostgres(options, channel, onMessage, onState ?? (() => {}));
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    };
    const locks = new Set<() => Promise<void>>();
    const tryLock: Database['tryLock'] = async (key, onLost) => {
      const release = await lockOnPostgres(options, key, onLost);
      if (!release) return null;
      const tracked = async () => {
        locks.delete(tracked);
        await release();
      };
      locks.add(tracked);
      return tracked;
    };
    const close = async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await Promise.all([...locks].map((release) => release()));
      await db.destroy();
    };
    return { db, kind: 'postgres', listen, tryLock, close };
  }
  const dataDir = options.pgliteDataDir ?? '.data/pglite';
  const unlock = options.pglite ? async () => {} : await lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    pglite = options.pglite ?? (await openPglite(dataDir));
  } catch (error) {
    await unlock();
    throw error;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  const listen: Database['listen'] = async (channel, onMessage, onState) => {
    // One process owns a PGlite database: notifications cannot be missed while it runs.
    const unlisten = await pglite.listen(channel, onMessage);
    onState?.(true);
    return async () => {
      if (!pglite.closed) await unlisten();
    };
  };
  // One process owns a PGlite database: a lock is this process's to share out.
  const held = new Set<number>();
  const tryLock: Database['tryLock'] = async (key) => {
    if (held.has(key)) return null;
    held.add(key);
    return async () => {
      held.delete(key);
    };
  };
  const close = async () => {
    await db.destroy();
    // Kysely's PGlite driver takes hold of the instance on its first query only; an
    // instance never queried would stay open and keep the process alive.
    if (!pglite.closed) await pglite.close();
    await unlock();
  };
  return { db, kind: 'pglite', listen, tryLock, close };
}
