// What composing and claiming both know of a batch of status posts: whether it was begun,
// and whether a batch not begun gives way to a new composition. Internal to the fan-out's
// repositories (not exported from @jcp/db).
export { supersedable } from '@jcp/domain';
import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { DB, FanoutPostsTable } from '../types.js';

/**
 * Whether the batch of post `p` was begun: a part delivered, one that may have reached X,
 * or an attempt whose outcome was never recorded (in flight, or its worker died).
 */
export const startedBatch = (eb: ExpressionBuilder<DB & { p: FanoutPostsTable }, 'p'>) =>
  eb
    .exists(
      eb
        .selectFrom('fanout_posts as x')
        .select('x.id')
        .whereRef('x.batch_id', '=', 'p.batch_id')
        .where((w) =>
          w.or([
            w('x.state', '=', 'delivered'),
            w('x.maybe_on_x', '=', true),
            w('x.attempts', '>', w.ref('x.outcomes')),
          ]),
        ),
    )
    .as('started');

export interface QueuedBatch {
  batchId: string;
  composedAt: Date;
  urgent: boolean;
  /** Some post of the batch was tried: it may be on X, so the batch must be finished as it is. */
  started: boolean;
}

/** Each account's batch with queued posts (an account has at most one). */
export async function queuedBatches(
  db: Kysely<DB> | Transaction<DB>,
  accountId?: string,
): Promise<Map<string, QueuedBatch>> {
  let query = db
    .selectFrom('fanout_posts as p')
    .innerJoin('fanout_batches as b', 'b.id', 'p.batch_id')
    .select(['p.account_id', 'p.batch_id', 'b.composed_at', 'b.urgent'])
    .select(startedBatch)
    .where('p.state', '=', 'queued')
    .where('p.kind', '=', 'status')
    .distinct();
  if (accountId) query = query.where('p.account_id', '=', accountId);
  const rows = await query.execute();
  return new Map(
    rows.map((r) => [
      r.account_id,
      { batchId: r.batch_id ?? '', composedAt: new Date(r.composed_at), urgent: r.urgent, started: Boolean(r.started) },
    ]),
  );
}

/** Delivery health (last attempt, last success) is kept to this resolution. */
export const HEALTH_RESOLUTION_MS = 1_000;
