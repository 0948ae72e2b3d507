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
