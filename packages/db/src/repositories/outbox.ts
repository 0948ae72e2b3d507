import { sql, type Transaction } from 'kysely';
import type { DB, StatusChange } from '../types.js';

/** NOTIFY channel that wakes the fan-out dispatchers after a commit that queued changes. */
export const FANOUT_CHANNEL = 'jcp_fanout';

/**
 * The outbox half of a status write: inside the transaction that records `changes`,
 * one row per change for the account of its office, so that a change is posted
 * if and only if it commits. Offices of other accounts are not touched, so their
 * accounts post nothing.
 */
export async function enqueueForFanout(trx: Transaction<DB>, changes: readonly StatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  const seqs = changes.map((c) => BigInt(c.seq));
  const min = seqs.reduce((a, b) => (b < a ? b : a)).toString();
  const max = seqs.reduce((a, b) => (b > a ? b : a)).toString();
  // The status lock is held, so every change in [min, max] is this transaction's own.
  await sql`
    insert into fanout_outbox (change_seq, account_id, office_id, urgent, created_at)
    select c.seq, o.account_id, c.office_id, coalesce(n.urgent, false), c.recorded_at
    from status_changes c
    join offices o on o.id = c.office_id
    left join status_notices n on n.id = c.notice_id
    where c.seq between ${min}::bigint and ${max}::bigint`.execute(trx);
  await sql`select pg_notify(${FANOUT_CHANNEL}, '')`.execute(trx);
}
