// Completing: the outcome of a claimed post recorded (delivered, retried, failed).
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import type { DB, PostOutcome } from '../types.js';
import { HEALTH_RESOLUTION_MS } from './fanout-batches.js';
import type { ClaimedPost } from './fanout-claim.js';
import { dbNow } from './fanout.js';

export type DeliveryResult =
  | { kind: 'delivered'; outcome: PostOutcome; xPostId: string | null }
  /**
   * rateLimited: X said 429 for the account; appLimited: the app's daily cap is spent (every account waits);
   * refused: X answered and posted nothing (a 403 not yet understood), so the post is not maybe on X.
   */
  | { kind: 'retry'; notBefore: Date; reason: string; rateLimited: boolean; appLimited?: boolean; refused?: boolean }
  /** X refused the account's credentials: the account is paused and the post waits for it. */
  | { kind: 'credentials-rejected'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * Records the outcome of a claimed post. Only the lease holder's outcome counts: a
 * worker whose lease expired (and whose post another worker took over) changes nothing.
 * Says whether the outcome was recorded, and whether the post's batch has nothing left
 * to send (the account may then have its next changes composed).
 */
export async function completePost(
  db: Kysely<DB>,
  post: Pick<ClaimedPost, 'id' | 'accountId'>,
  workerId: string,
  result: DeliveryResult,
): Promise<{ recorded: boolean; batchDone: boolean }> {
  const [recorded] = await completePosts(db, [{ post, result }], workerId);
  return recorded!;
}

export interface Completion {
  /** `kind` lets a group of delivered replies (no batch to finish) be recorded in one statement. */
  post: Pick<ClaimedPost, 'id' | 'accountId'> & { kind?: ClaimedPost['kind'] };
  result: DeliveryResult;
}

/**
 * Records many outcomes at once (the dispatcher gathers those that finish together), each
 * post's outcome counted only from its lease holder. Deliveries are recorded with one statement for all of them; a group of delivered
 * replies (no batch to finish with them) is that one statement and no more, anything else
 * one transaction.
 */
export async function completePosts(
  db: Kysely<DB>,
  completions: readonly Completion[],
  workerId: string,
): Promise<{ recorded: boolean; batchDone: boolean }[]> {
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
    const out: { recorded: boolean; batchDone: boolean }[] = completions.map(() => ({
      recorded: false,
      batchDone: false,
    }));
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
      await sql`select set_config('synchronous_commit', 'off', true)`.execute(trx);
    }
    // The rest one by one, in account order (two workers recording the same accounts lock
    // their rows in the same order).
    const rest = indexed
      .filter((c): c is Completion & { i: number; result: Undelivered } => c.result.kind !== 'delivered')
      .sort((a, b) => (a.post.accountId < b.post.accountId ? -1 : a.post.accountId > b.post.accountId ? 1 : 0));
    if (rest.length > 0) now ??= await dbNow(trx);
    for (const c of rest) out[c.i] = await completeUndelivered(trx, now!, c.post, workerId, c.result);
    return out;
  });
}

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
function recordDeliveries(
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

type Delivered = Extract<DeliveryResult, { kind: 'delivered' }>;
type Undelivered = Exclude<DeliveryResult, { kind: 'delivered' }>;

/** An outcome other than a delivery (deliveries are recorded together, in completePosts). */
async function completeUndelivered(
  trx: Transaction<DB>,
  now: Date,
  post: Pick<ClaimedPost, 'id' | 'accountId'>,
  workerId: string,
  result: Undelivered,
): Promise<{ recorded: boolean; batchDone: boolean }> {
  const current = await trx
    .selectFrom('fanout_posts')
    .select(['first_attempt_at'])
    .where('id', '=', post.id)
    .executeTakeFirst();
  const mine = trx
    .updateTable('fanout_posts')
    .where('id', '=', post.id)
    .where('lease_owner', '=', workerId)
    .where('state', '=', 'queued');
  // Every recorded outcome counts; anything but a definite refusal by X may have posted it.
  const base = { lease_owner: null, lease_expires_at: null, outcomes: sql<number>`outcomes + 1` };
  const mayHavePosted = { maybe_on_x: true };
  let updated;
  let outcome: Undelivered = result;
  if (
    outcome.kind === 'retry' &&
    !outcome.rateLimited &&
    current?.first_attempt_at &&
    now.getTime() - current.first_attempt_at.getTime() > GIVE_UP_AFTER_MS
  ) {
    outcome = { kind: 'failed', reason: `gave up after 24 hours of retries: ${outcome.reason}` };
  }
  if (outcome.kind === 'retry') {
    // An app-wide block is kept on fanout_control (one place to see and lift it), not on each post.
    const notBefore = outcome.appLimited ? now : outcome.notBefore;
    updated = await mine
      .set({
        ...base,
        ...(outcome.rateLimited || outcome.refused ? {} : mayHavePosted),
        not_before: notBefore,
        last_error: outcome.reason,
      })
      .executeTakeFirst();
  } else if (outcome.kind === 'credentials-rejected') {
    updated = await mine.set({ ...base, not_before: now, last_error: outcome.reason }).executeTakeFirst();
  } else {
    updated = await mine
      .set({
        ...base,
        ...(result.kind === 'failed' || (result.kind === 'retry' && result.refused) ? {} : mayHavePosted),
        state: 'failed',
        last_error: outcome.reason,
      })
      .executeTakeFirst();
  }
  if (Number(updated.numUpdatedRows) === 0) return { recorded: false, batchDone: false };
  await trx
    .insertInto('fanout_accounts')
    .values({ account_id: post.accountId })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
  await trx
    .updateTable('fanout_accounts')
    .set({
      last_failure_at: now,
      last_error: outcome.reason,
      consecutive_failures: sql`consecutive_failures + 1`,
      ...(outcome.kind === 'retry' && outcome.rateLimited && !outcome.appLimited
        ? { blocked_until: outcome.notBefore }
        : {}),
    })
    .where('account_id', '=', post.accountId)
    .execute();
  if (outcome.kind === 'retry' && outcome.appLimited) {
    await trx
      .updateTable('fanout_control')
      .set({ app_blocked_until: sql<Date>`greatest(app_blocked_until, ${outcome.notBefore})` })
      .execute();
  }
  if (outcome.kind === 'credentials-rejected') {
    await trx
      .updateTable('accounts')
      .set({ paused: true, paused_reason: outcome.reason, paused_at: now })
      .where('id', '=', post.accountId)
      .execute();
    await appendAudit(trx, [
      {
        actor: `system:dispatcher:${workerId}`,
        action: 'account.paused',
        entityType: 'account',
        entityId: post.accountId,
        after: { paused: true, reason: outcome.reason },
      },
    ]);
  }
  const batchDone = await announceIfDone(trx, post.id);
  return { recorded: true, batchDone };
}

/** A post retried for this long is given up on (unless X's rate limit is what holds it): what it says is long out of date. */
const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

/**
 * When a batch has nothing left to send: if any of its posts was delivered, its offices'
 * states are what followers have heard (a later change is compared with them; a redundant
 * "open again" is harmless, a missing one is not). Says whether the batch is done.
 */
async function announceIfDone(trx: Transaction<DB>, postId: string): Promise<boolean> {
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
