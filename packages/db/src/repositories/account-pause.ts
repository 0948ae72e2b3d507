// The pause switches: one account's, and delivery's as a whole. Written inside the caller's
// transaction; the use cases (packages/use-cases/src/accounts/pause.ts) lock, audit and wake.
import { sql, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { toDate, type Db } from './account-sql.js';

/** Stops delivery for one account (posts wait; nothing is lost). */
export async function writeAccountPaused(trx: Transaction<DB>, id: string, reason: string | null): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({ paused: true, paused_reason: reason, paused_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Lets one account deliver again. */
export async function writeAccountResumed(trx: Transaction<DB>, id: string): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({ paused: false, paused_reason: null, paused_at: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export interface FanoutControlState {
  paused: boolean;
  pausedReason: string | null;
  pausedAt: Date | null;
  appBlockedUntil: Date | null;
}

export async function readControl(db: Db): Promise<FanoutControlState> {
  const row = await db.selectFrom('fanout_control').selectAll().executeTakeFirst();
  return {
    paused: row?.paused ?? false,
    pausedReason: row?.paused_reason ?? null,
    pausedAt: toDate(row?.paused_at),
    appBlockedUntil: toDate(row?.app_blocked_until),
  };
}

/** Stops delivery for every account at once. */
export async function writeDeliveryPaused(trx: Transaction<DB>, reason: string | null): Promise<void> {
  await trx
    .updateTable('fanout_control')
    .set({ paused: true, paused_reason: reason, paused_at: sql`now()` })
    .execute();
}

/** Lets every account deliver again (accounts paused one by one stay paused). */
export async function writeDeliveryResumed(trx: Transaction<DB>): Promise<void> {
  await trx.updateTable('fanout_control').set({ paused: false, paused_reason: null, paused_at: null }).execute();
}
