// Every advisory lock of jcp-status, in one place: its name, its key and what it serializes.
// The keys are one family (4_283_117_0NN) so that no lock of ours collides with another's;
// a new lock takes the next number here, never a number written where it is used.
import { sql, type Transaction } from 'kysely';
import type { DB } from './types.js';

export interface LockDefinition {
  /** The key pg_advisory_(xact_)lock takes. */
  readonly key: number;
  /** What holding it serializes (and, for a session lock, who holds it). */
  readonly serializes: string;
  /** 'transaction': taken with pg_advisory_xact_lock, released at commit; 'session': held by a connection. */
  readonly scope: 'transaction' | 'session';
}

export const LOCKS = {
  /** One key for every instance of jcp-status, so that migrators queue behind each other. */
  migration: {
    key: 4_283_117_001,
    scope: 'transaction',
    serializes: 'migrations: every migrator of every instance, one after the other',
  },
  /** Every writer of the registry (office imports, mapping imports). */
  registry: {
    key: 4_283_117_002,
    scope: 'transaction',
    serializes: 'writers of the office register (office imports, mapping imports)',
  },
  /**
   * Every transaction that changes a status takes this lock first and holds it to commit.
   * Changes are therefore numbered in commit order, which is what lets a change feed cursor
   * promise "nothing missed, nothing repeated", and what makes If-Match checks and the
   * materialised status race-free. Status writes are rare, so one lock costs nothing that matters.
   */
  statusWrites: {
    key: 4_283_117_003,
    scope: 'transaction',
    serializes: 'status writes (changes are numbered in commit order)',
  },
  /** Claims of posts, so that the app-wide and per-account budgets are counted exactly. */
  fanoutClaim: {
    key: 4_283_117_004,
    scope: 'transaction',
    serializes: "the fan-out's claims of posts (the budgets count exactly across workers)",
  },
  /** Held (as a session lock) by the one instance that polls X for mentions. */
  mentionIngest: {
    key: 4_283_117_005,
    scope: 'session',
    serializes: 'polling X for mentions: one instance reads, the others stand by',
  },
  /** The retention batches of every instance (they never wait on each other's rows in a cycle). */
  retention: {
    key: 4_283_117_006,
    scope: 'transaction',
    serializes: 'the retention batches (deleting old mentions, hashing old opt-outs)',
  },
  /** Every binder of the database to an X (the emulator starting, an admin storing real credentials). */
  xBinding: {
    key: 4_283_117_008,
    scope: 'transaction',
    serializes: 'binding the database to one X (first uses decided one after the other)',
  },
} as const satisfies Record<string, LockDefinition>;

export type LockName = keyof typeof LOCKS;

/**
 * Locks keyed by a value (hashed within a kind: `kind:value`), taken many at a time. The two
 * kinds are taken by the mentions' ingest, in this order (authors, then accounts).
 */
export const KEYED_LOCKS = {
  /** Mentions of one author: the webhook and the poll, or two pages, never both pass the throttle for one person. */
  mentionAuthor: 'mention-author',
  /** The replies of one account: two pages never both take the same text (X refuses a repeat). */
  mentionAccount: 'mention-account',
} as const;

export type KeyedLockKind = (typeof KEYED_LOCKS)[keyof typeof KEYED_LOCKS];

/** Takes a transaction-level lock (released at commit or rollback). */
export async function takeLock(trx: Transaction<DB>, name: LockName): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCKS[name].key})`.execute(trx);
}

/**
 * Transaction-level locks on `keys` (within a `kind`), in one statement and in a fixed order,
 * so that no two transactions taking such locks ever wait on each other in a cycle.
 */
export async function takeKeyedLocks(
  trx: Transaction<DB>,
  kind: KeyedLockKind,
  keys: readonly string[],
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${kind}:`} || k, 0)) from (select unnest(${[...keys]}::text[]) as k order by 1) as keys`.execute(
    trx,
  );
}
