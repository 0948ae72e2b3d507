// Completing claimed posts: their outcomes recorded (delivered, retried, given up on, the
// account paused), each counted only from the post's lease holder. What an undelivered
// attempt means is the domain's undeliveredRecord; the writes are the repository's
// (packages/db/src/repositories/fanout-complete.ts); the transaction and its order are here.
import {
  announceIfDone,
  commitWithoutWaiting,
  dbNow,
  firstAttemptAt,
  recordDeliveries,
  recordUndelivered,
  type Completion,
  type DB,
  type Delivered,
} from '@jcp/db';
import { undeliveredRecord, type UndeliveredResult } from '@jcp/domain';
import type { Kysely } from 'kysely';

export interface Completed {
  /** False when the lease was lost first: the post is another worker's now. */
  recorded: boolean;
  /** The post's batch has nothing left to send: the account's next changes may be composed. */
  batchDone: boolean;
}

/** Records the outcome of one claimed post (completePosts with one). */
export async function completePost(
  deps: { db: Kysely<DB> },
  completion: Completion,
  workerId: string,
): Promise<Completed> {
  const [completed] = await completePosts(deps, [completion], workerId);
  return completed!;
}

/**
 * Records many outcomes at once (the dispatcher gathers those that finish together), each
 * post's outcome counted only from its lease holder. Deliveries are recorded with one
 * statement for all of them; a group of delivered replies (no batch to finish with them) is
 * that one statement and no more, anything else one transaction. A worker whose lease
 * expired (and whose post another worker took over) changes nothing. Says, for each, whether
 * it was recorded and whether its batch has nothing left to send.
 */
export async function completePosts(
  deps: { db: Kysely<DB> },
  completions: readonly Completion[],
  workerId: string,
): Promise<Completed[]> {
  const { db } = deps;
  if (completions.length === 0) return [];
  const indexed = completions.map((c, i) => ({ ...c, i }));
  const plain = indexed.filter(
    (c): c is Completion & { i: number; result: Delivered } => c.result.kind === 'delivered',
  );
  if (plain.length === completions.length && plain.every((c) => c.post.kind === 'reply')) {
    // One statement is a transaction of its own.
    const { rows } = await recordDeliveries(db, plain, workerId);
    const done = new Set(rows.filter((r) => r.id !== null).map((r) => String(r.id)));
    return completions.map((c) => ({ recorded: done.has(String(c.post.id)), batchDone: false }));
  }
  return db.transaction().execute(async (trx) => {
    const out: Completed[] = completions.map(() => ({ recorded: false, batchDone: false }));
    let now: Date | null = null;
    if (plain.length > 0) {
      const { rows } = await recordDeliveries(trx, plain, workerId);
      now = new Date(rows[0]!.now);
      const done = new Map(rows.filter((r) => r.id !== null).map((r) => [String(r.id), r]));
      const batches = new Map<string, boolean>();
      for (const c of plain) {
        const row = done.get(String(c.post.id));
        if (!row) continue;
        let batchDone = false;
        if (row.batch_id !== null) {
          if (!batches.has(row.batch_id)) batches.set(row.batch_id, await announceIfDone(trx, c.post.id));
          batchDone = batches.get(row.batch_id)!;
        }
        out[c.i] = { recorded: true, batchDone };
      }
    } else {
      // As for deliveries (see recordDeliveries): outcomes need not wait for the disk.
      await commitWithoutWaiting(trx);
    }
    // The rest one by one, in account order (two workers recording the same accounts lock
    // their rows in the same order).
    const rest = indexed
      .filter((c): c is Completion & { i: number; result: UndeliveredResult } => c.result.kind !== 'delivered')
      .sort((a, b) => (a.post.accountId < b.post.accountId ? -1 : a.post.accountId > b.post.accountId ? 1 : 0));
    if (rest.length > 0) now ??= await dbNow(trx);
    for (const c of rest) {
      const record = undeliveredRecord(c.result, await firstAttemptAt(trx, c.post.id), now!);
      if (await recordUndelivered(trx, c.post, workerId, record, now!))
        out[c.i] = { recorded: true, batchDone: await announceIfDone(trx, c.post.id) };
    }
    return out;
  });
}
