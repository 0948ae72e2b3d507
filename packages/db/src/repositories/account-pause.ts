// The pause switches: one account's, and delivery's as a whole.
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../audit.js';
import type { DB } from '../types.js';
import { toDate, wakeDispatchers, type Db } from './account-sql.js';

/** Stops delivery for one account (posts wait; nothing is lost). False: no such account. */
export async function pauseAccount(db: Kysely<DB>, id: string, reason: string | null, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('accounts')
      .select(['paused', 'paused_reason'])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable('accounts')
      .set({ paused: true, paused_reason: reason, paused_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'account.paused',
        entityType: 'account',
        entityId: id,
        before: { paused: before.paused, pausedReason: before.paused_reason },
        after: { paused: true, pausedReason: reason },
      },
    ]);
    return true;
  });
}

/** Lets one account deliver again and wakes the dispatchers. False: no such account. */
export async function resumeAccount(db: Kysely<DB>, id: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('accounts')
      .select(['paused', 'paused_reason'])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable('accounts')
      .set({ paused: false, paused_reason: null, paused_at: null, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'account.resumed',
        entityType: 'account',
        entityId: id,
        before: { paused: before.paused, pausedReason: before.paused_reason },
        after: { paused: false },
      },
    ]);
    await wakeDispatchers(trx);
    return true;
  });
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
export async function pauseAll(db: Kysely<DB>, reason: string | null, actor: string): Promise<FanoutControlState> {
  return db.transaction().execute(async (trx) => {
    const before = await readControl(trx);
    await trx
      .updateTable('fanout_control')
      .set({ paused: true, paused_reason: reason, paused_at: sql`now()` })
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'fanout.paused',
        entityType: 'fanout',
        entityId: 'all',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: { paused: true, pausedReason: reason },
      },
    ]);
    return readControl(trx);
  });
}

/** Lets every account deliver again (accounts paused one by one stay paused) and wakes the dispatchers. */
export async function resumeAll(db: Kysely<DB>, actor: string): Promise<FanoutControlState> {
  return db.transaction().execute(async (trx) => {
    const before = await readControl(trx);
    await trx.updateTable('fanout_control').set({ paused: false, paused_reason: null, paused_at: null }).execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'fanout.resumed',
        entityType: 'fanout',
        entityId: 'all',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: { paused: false },
      },
    ]);
    await wakeDispatchers(trx);
    return readControl(trx);
  });
}
