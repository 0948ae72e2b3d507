// The fan-out's shared reads and upkeep: the database's clock, gauges for operators, pruning.
// Composing, claiming and completing are in fanout-compose.ts, fanout-claim.ts and fanout-complete.ts.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, FanoutPost } from '../types.js';

/** The database's clock: every worker and replica agrees on it. */
export async function dbNow(db: Kysely<DB> | Transaction<DB>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db);
  return new Date(rows[0]!.now);
}

/** Records the X id of a delivered post whose id was not known, found later on X (unless another post holds it). */
export async function recordRecoveredXId(db: Kysely<DB>, postId: string, xPostId: string): Promise<void> {
  await db
    .updateTable('fanout_posts')
    .set({ x_post_id: xPostId })
    .where('id', '=', postId)
    .where('x_post_id', 'is', null)
    .where('state', '=', 'delivered')
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('fanout_posts as o').select('o.id').where('o.x_post_id', '=', xPostId))),
    )
    .execute();
}

/** Deletes budget records older than the longest budget window. */
export async function pruneSends(db: Kysely<DB>, olderThanMs: number): Promise<number> {
  const result = await db
    .deleteFrom('fanout_sends')
    .where('sent_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export type { FanoutPost };

export interface FanoutGauges {
  queuedPosts: number;
  pendingChanges: number;
  /** Seconds since the oldest queued post was composed (0 when none). */
  oldestQueuedSeconds: number;
  pausedAccounts: number;
  allPaused: boolean;
}

/** What an operator watches during disruption: one query, for /metrics. */
export async function fanoutGauges(db: Kysely<DB>): Promise<FanoutGauges> {
  const { rows } = await sql<{
    queued: string;
    pending: string;
    oldest: number | string | null;
    paused: string;
    all_paused: boolean | null;
  }>`
    select
      (select count(*) from fanout_posts where state = 'queued') as queued,
      (select count(*) from fanout_outbox where batch_id is null) as pending,
      (select extract(epoch from clock_timestamp() - min(created_at)) from fanout_posts where state = 'queued') as oldest,
      (select count(*) from accounts where paused) as paused,
      (select paused from fanout_control) as all_paused`.execute(db);
  const r = rows[0];
  return {
    queuedPosts: Number(r?.queued ?? 0),
    pendingChanges: Number(r?.pending ?? 0),
    oldestQueuedSeconds: Math.max(0, Number(r?.oldest ?? 0)),
    pausedAccounts: Number(r?.paused ?? 0),
    allPaused: r?.all_paused ?? false,
  };
}
