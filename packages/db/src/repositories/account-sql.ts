import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { FANOUT_CHANNEL } from './outbox.js';

export type Db = Kysely<DB> | Transaction<DB>;

export const toDate = (v: unknown): Date | null =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string);
/** `now() - windowMs`, on the database's clock. */
export const since = (windowMs: number) => sql<Date>`now() - make_interval(secs => ${windowMs / 1000})`;
/** Wakes the fan-out dispatchers (changes waiting may go now). */
export const wakeDispatchers = (trx: Transaction<DB>) => sql`select pg_notify(${FANOUT_CHANNEL}, '')`.execute(trx);

/** What an account's audited writes record of its row as it was before them. */
export interface LockedAccount {
  paused: boolean;
  pausedReason: string | null;
  xUserId: string | null;
  hasCredentials: boolean;
}

/**
 * Locks one account's row for the rest of the transaction (`FOR NO KEY UPDATE`) and reads
 * what its audited writes record of it; undefined: no such account.
 */
export async function lockAccountRow(trx: Transaction<DB>, id: string): Promise<LockedAccount | undefined> {
  const row = await trx
    .selectFrom('accounts')
    .select([
      'paused',
      'paused_reason',
      'x_user_id',
      sql<boolean>`credentials_encrypted is not null`.as('has_credentials'),
    ])
    .where('id', '=', id)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row
    ? {
        paused: row.paused,
        pausedReason: row.paused_reason,
        xUserId: row.x_user_id,
        hasCredentials: row.has_credentials,
      }
    : undefined;
}
