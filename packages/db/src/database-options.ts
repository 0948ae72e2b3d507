// How to reach the database, and the deadlines every PostgreSQL session gets.
import type { PGlite } from '@electric-sql/pglite';

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
export function sessionDeadlines(options: DatabaseOptions): {
  statement_timeout: number;
  idle_in_transaction_session_timeout: number;
} {
  return {
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}
