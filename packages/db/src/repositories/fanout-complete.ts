// Completing: the outcome of a claimed post written (delivered, retried, failed), as the
// use case says (packages/use-cases/src/fanout/complete.ts: which transaction, in which order;
// what an undelivered attempt means is the domain's undeliveredRecord). Every write counts
// only from the post's lease holder.
import type { UndeliveredRecord, UndeliveredResult } from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import type { DB, PostOutcome } from '../types.js';
import { HEALTH_RESOLUTION_MS } from './fanout-batches.js';
import type { ClaimedPost } from './fanout-claim.js';

/** What an attempt at a post came to: delivered, or not (the domain's UndeliveredResult). */
export type DeliveryResult = { kind: 'delivered'; outcome: PostOutcome; xPostId: string | null } | UndeliveredResult;

export interface Completion {
  /** `kind` lets a group of delivered replies (no batch to finish) be recorded in one statement. */
  post: Pick<ClaimedPost, 'id' | 'accountId'> & { kind?: ClaimedPost['kind'] };
  result: DeliveryResult;
}

export type Delivered = Extract<DeliveryResult, { kind: 'delivered' }>;

/**
 * Deliveries, in one statement: each post delivered (counted only from its lease holder),
 * with its X id unless another post holds that id or an earlier one of the group claims it
 * (a stale timeline match: unknown), and the accounts' health. Outcomes need not wait for
 * the disk: one lost in a database crash leaves its post queued with an attempt not
 * accounted for (so it counts as maybe on X), the post is sent again and X's duplicate
 * refusal records it as delivered. (Claims do wait: they are what says a post may be on X.)
 * A row per post recorded, or one row with a null id if none was; every row carries the
 * database's clock.
 */
export function recordDeliveries(
  db: Kysely<DB> | Transaction<DB>,
  plain: readonly (Completion & { result: Delivered })[],
  workerId: string,
) {
  const values = plain.map(
    ({ post, result }) => sql`(${post.id}::bigint, ${result.xPostId}::text, ${result.outcome}::text)`,
  );
  return sql<{ id: string | null; batch_id: string | null; account_id: string | null; now: Date }>`
    with clock as materialized (select clock_timestamp() as now, set_config('synchronous_commit', 'off', true) as durability),
    done as (
      update fanout_posts p set
        lease_owner = null, lease_expires_at = null, outcomes = p.outcomes + 1, maybe_on_x = true, state = 'delivered', outcome = v.outcome,
        x_post_id = case when v.nth = 1 and not exists (select 1 from fanout_posts q where q.x_post_id = v.x_post_id) then v.x_post_id end,
        delivered_at = clock.now, delivered_by = ${workerId}, last_error = null
      from (
        -- Numbered among the posts this statement records (a stale outcome in the group must
        -- not take the id from the one that holds the lease).
        select v.*, row_number() over (partition by v.x_post_id order by v.id) as nth
        from (values ${sql.join(values)}) as v(id, x_post_id, outcome)
        join fanout_posts held on held.id = v.id and held.lease_owner = ${workerId} and held.state = 'queued') as v, clock
      where p.id = v.id and p.lease_owner = ${workerId} and p.state = 'queued'
      returning p.id, p.batch_id, p.account_id),
    -- Health, except where a success on a healthy account was recorded within the last
    -- second (nothing worth a row lock: replies to a burst of questions finish many times a
    -- second per account).
    health as (
      update fanout_accounts a set last_success_at = clock.now, consecutive_failures = 0, last_error = null
      from clock
      where a.account_id in (select account_id from done)
        and (a.last_success_at is null or a.last_success_at < clock.now - make_interval(secs => ${HEALTH_RESOLUTION_MS / 1000})
          or a.consecutive_failures <> 0 or a.last_error is not null))
    select done.id, done.batch_id, done.account_id, clock.now from clock left join done on true`.execute(db);
}

/**
 * Outcomes need not wait for the disk (see recordDeliveries), for the rest of the caller's
 * transaction.
 */
export async function commitWithoutWaiting(trx: Transaction<DB>): Promise<void> {
  await sql`select set_config('synchronous_commit', 'off', true)`.execute(trx);
}

/** When the post was first tried (null: never, or no such post). */
export async function firstAttemptAt(trx: Transaction<DB>, postId: string): Promise<Date | null> {
  const row = await trx
    .selectFrom('fanout_posts')
    .select(['first_attempt_at'])
    .where('id', '=', postId)
    .executeTakeFirst();
  return row?.first_attempt_at ?? null;
}

/**
 * Writes an undelivered attempt as `record` says (the domain's undeliveredRecord): the post
 * (counted only from its lease holder: says false, and writes nothing, for anyone else), the
 * account's health and X's block on it, the app's block, and the account's pause (audited as
 * the dispatcher's). Every recorded outcome counts in `outcomes`.
 */
export async function recordUndelivered(
  trx: Transaction<DB>,
  post: Pick<ClaimedPost, 'id' | 'accountId'>,
  workerId: string,
  record: UndeliveredRecord,
  now: Date,
): Promise<boolean> {
  const updated = await trx
    .updateTable('fanout_posts')
    .where('id', '=', post.id)
    .where('lease_owner', '=', workerId)
    .where('state', '=', 'queued')
    .set({
      lease_owner: null,
      lease_expires_at: null,
      outcomes: sql<number>`outcomes + 1`,
      ...(record.mayHavePosted ? { maybe_on_x: true } : {}),
      ...(record.state === 'failed' ? { state: 'failed' as const } : { not_before: record.notBefore }),
      last_error: record.reason,
    })
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await trx
    .insertInto('fanout_accounts')
    .values({ account_id: post.accountId })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
  await trx
    .updateTable('fanout_accounts')
    .set({
      last_failure_at: now,
      last_error: record.reason,
      consecutive_failures: sql`consecutive_failures + 1`,
      ...(record.accountBlockedUntil ? { blocked_until: record.accountBlockedUntil } : {}),
    })
    .where('account_id', '=', post.accountId)
    .execute();
  if (record.appBlockedUntil) {
    await trx
      .updateTable('fanout_control')
      .set({ app_blocked_until: sql<Date>`greatest(app_blocked_until, ${record.appBlockedUntil})` })
      .execute();
  }
  if (record.pauseAccount) {
    await trx
      .updateTable('accounts')
      .set({ paused: true, paused_reason: record.reason, paused_at: now })
      .where('id', '=', post.accountId)
      .execute();
    await appendAudit(trx, [
      {
        actor: `system:dispatcher:${workerId}`,
        action: 'account.paused',
        entityType: 'account',
        entityId: post.accountId,
        after: { paused: true, reason: record.reason },
      },
    ]);
  }
  return true;
}

/**
 * When a batch has nothing left to send: if any of its posts was delivered, its offices'
 * states are what followers have heard (a later change is compared with them; a redundant
 * "open again" is harmless, a missing one is not). Says whether the batch is done.
 */
export async function announceIfDone(trx: Transaction<DB>, postId: string): Promise<boolean> {
  const post = await trx
    .selectFrom('fanout_posts')
    .select('batch_id')
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
  if (post.batch_id === null) return false; // a reply: no batch
  const states = await trx
    .selectFrom('fanout_posts')
    .select('state')
    .distinct()
    .where('batch_id', '=', post.batch_id)
    .execute();
  if (states.some((s) => s.state === 'queued')) return false;
  if (states.some((s) => s.state === 'delivered')) {
    await sql`
      insert into fanout_announced (office_id, change_seq, batch_id)
      select office_id, change_seq, batch_id from fanout_batch_offices where batch_id = ${post.batch_id}
      on conflict (office_id) do update set change_seq = excluded.change_seq, batch_id = excluded.batch_id`.execute(
      trx,
    );
  }
  return true;
}
