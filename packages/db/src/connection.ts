import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { DbError } from './errors.js';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './types.js';

const OID_DATE = 1082;
const OID_INT8 = 20;

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
  /** PostgreSQL cancels a statement running longer (default 15 s); migrations and imports take longer with SET LOCAL. */
  statementTimeoutMs?: number;
  /** PostgreSQL ends a session idle inside a transaction this long, releasing its locks (default 30 s). */
  idleInTransactionTimeoutMs?: number;
}

/** The deadlines every PostgreSQL connection gets unless told otherwise (DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * The session settings of every connection to PostgreSQL (the pool's, the listeners' and the
 * locks'), sent when it connects: a statement that hangs, or a transaction left open by a
 * stalled process, is ended by the server instead of holding its locks and a fan-out lease.
 * (A session that is idle outside a transaction, such as the one holding the mention
 * ingester's advisory lock, is not affected.) PGlite has no such timers: not applied there.
 */
function sessionDeadlines(options: DatabaseOptions): {
  statement_timeout: number;
  idle_in_transaction_session_timeout: number;
} {
  return {
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
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

/**
 * A dedicated client that LISTENs, and on any failure reports "not listening" and
 * reconnects with backoff (0.2 s doubling to 5 s) until stopped.
 */
const LISTENER_PING_MS = 5_000;
const LISTENER_PING_TIMEOUT_MS = 3_000;

async function listenOnPostgres(
  options: DatabaseOptions,
  channel: string,
  onMessage: (payload: string) => void,
  onState: (listening: boolean) => void,
): Promise<() => Promise<void>> {
  const onError = options.onPoolError;
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let ping: NodeJS.Timeout | null = null;
  let delay = 200;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: options.url,
      application_name: 'jcp-status-listener',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      ...sessionDeadlines(options),
    });
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      if (ping) clearInterval(ping);
      onError?.(error);
      onState(false);
      void c.end().catch(() => {});
      if (client === c) client = null;
      if (!stopped) {
        timer = setTimeout(() => void connect().catch(() => {}), delay);
        delay = Math.min(delay * 2, 5_000);
      }
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('listener connection ended')));
    c.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    } catch (error) {
      fail(error as Error);
      return;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = 200;
    // A connection that died without a word (a half-open TCP link) would leave this
    // instance caching while deaf: a ping that does not answer in time counts as failure.
    ping = setInterval(() => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('listener ping timed out')), LISTENER_PING_TIMEOUT_MS).unref(),
      );
      Promise.race([c.query('select 1'), timeout]).catch((error: unknown) => fail(error as Error));
    }, LISTENER_PING_MS);
    ping.unref();
    onState(true);
  };
  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = null;
    if (ping) clearInterval(ping);
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder (a CLI
 * next to the running service) would corrupt it. A lock file holding the owner's pid
 * refuses that clearly; a lock left by a dead process is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  if (dataDir.startsWith('memory://')) return async () => {};
  await mkdir(dataDir, { recursive: true });
  const lockFile = `${dataDir.replace(/\/+$/, '')}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DbError(
          'PGLITE_IN_USE',
          `the embedded database in ${dataDir} is in use by process ${owner}; stop it first, or use DATABASE_URL (PostgreSQL) for several processes`,
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new DbError('PGLITE_IN_USE', `could not lock the embedded database in ${dataDir}`);
}

/**
 * PGlite's parsers, made to agree with pg's: `date` stays text (as above), and so does
 * `bigint` (int8), which pg gives as a string and PGlite by default as a JS number; the
 * code and the API types (change-feed cursors, counts) expect the string.
 */
export const pgliteParsers = { [OID_DATE]: keepText, [OID_INT8]: keepText };

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

/**
 * A session advisory lock on a dedicated connection, pinged so that a connection that
 * died without a word (and the lock with it, once the server notices) is reported.
 */
async function lockOnPostgres(
  options: DatabaseOptions,
  key: number,
  onLost: () => void,
): Promise<(() => Promise<void>) | null> {
  const onError = options.onPoolError;
  const c = new pg.Client({
    connectionString: options.url,
    application_name: 'jcp-status-lock',
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...sessionDeadlines(options),
  });
  let released = false;
  let ping: NodeJS.Timeout | null = null;
  const lost = (error: Error) => {
    if (released) return;
    released = true;
    if (ping) clearInterval(ping);
    onError?.(error);
    void c.end().catch(() => {});
    onLost();
  };
  c.on('error', lost);
  try {
    await c.connect();
    const { rows } = await c.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [key]);
    if (!rows[0]?.locked) {
      released = true;
      await c.end().catch(() => {});
      return null;
    }
  } catch (error) {
    released = true;
    await c.end().catch(() => {});
    throw error;
  }
  c.on('end', () => lost(new Error('lock connection ended')));
  ping = setInterval(() => {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('lock connection ping timed out')), LISTENER_PING_TIMEOUT_MS).unref(),
    );
    Promise.race([c.query('select 1'), timeout]).catch((error: unknown) => lost(error as Error));
  }, LISTENER_PING_MS);
  ping.unref();
  return async () => {
    if (released) return;
    released = true;
    if (ping) clearInterval(ping);
    c.removeAllListeners('end');
    await c.query('select pg_advisory_unlock($1)', [key]).catch(() => {});
    await c.end().catch(() => {});
  };
}
