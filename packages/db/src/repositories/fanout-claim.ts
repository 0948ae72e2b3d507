// Claiming's reads and writes: the switches and the app's sends, each account's next posts
// (locked, skipping those another worker holds), the sends in a budget window, and the leases.
// The budgets and the posting window are decided by claimPosts in @jcp/use-cases.
import { sql, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { HEALTH_RESOLUTION_MS, startedBatch } from './fanout-batches.js';

export interface ClaimedPost {
  id: string;
  accountId: string;
  handle: string;
  xUserId: string | null;
  credentials: string | null;
  /** A status post, or a reply to a citizen's mention. */
  kind: 'status' | 'reply';
  text: string;
  /** The post this one replies to: the previous part of a thread, or the mention. */
  replyToXId: string | null;
  /** The previous part of the thread when its X id is not known (its answer was lost): to look it up. */
  replyTo: { postId: string; text: string; firstAttemptAt: Date } | null;
  attempts: number;
  /** When this post was first tried: a post X holds from before then is not this one. */
  firstAttemptAt: Date;
}

export interface ClaimControl {
  paused: boolean;
  appBlockedUntil: Date | null;
  /** The database's clock. */
  now: Date;
  /** The app's sends in its budget window, by kind. */
  statusUsed: number;
  repliesUsed: number;
}

/** The switches, the clock and the app's sends by kind within `appWindowMs`, in one round trip. */
export async function claimControl(trx: Transaction<DB>, appWindowMs: number): Promise<ClaimControl> {
  const { rows } = await sql<{
    paused: boolean | null;
    app_blocked_until: Date | null;
    now: Date;
    status_used: string;
    replies_used: string;
  }>`
    select c.paused, c.app_blocked_until, clock_timestamp() as now, used.status_used, used.replies_used
    from (select 1) as one left join fanout_control c on true,
      lateral (select count(*) filter (where kind = 'status') as status_used, count(*) filter (where kind = 'reply') as replies_used
        from fanout_sends where sent_at > clock_timestamp() - make_interval(secs => ${appWindowMs / 1000})) as used`.execute(
    trx,
  );
  const r = rows[0]!;
  return {
    paused: r.paused ?? false,
    appBlockedUntil: r.app_blocked_until,
    now: new Date(r.now),
    statusUsed: Number(r.status_used),
    repliesUsed: Number(r.replies_used),
  };
}

/**
 * Each account's next status post, and each account's oldest replies that could go now (up
 * to `replyRoom` of them), locked for this transaction (rows another worker holds skipped).
 */
export function claimableHeads(trx: Transaction<DB>, now: Date, replyRoom: number) {
  return (
    trx
      .selectFrom('fanout_posts as p')
      .innerJoin('accounts as c', 'c.id', 'p.account_id')
      .leftJoin('fanout_batches as b', 'b.id', 'p.batch_id')
      .leftJoin('fanout_accounts as a', 'a.account_id', 'p.account_id')
      .select([
        'p.id',
        'p.account_id',
        'p.kind',
        'p.in_reply_to_x_id',
        'p.text',
        'p.attempts',
        'p.first_attempt_at',
        'c.handle',
        'c.x_user_id',
        'c.credentials_encrypted',
      ])
      .select(['b.urgent', 'b.composed_at', 'c.allow_urgent', 'c.posting_window_start', 'c.posting_window_end'])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('fanout_outbox as o')
              .select('o.change_seq')
              .whereRef('o.account_id', '=', 'p.account_id')
              .where('o.batch_id', 'is', null),
          )
          .as('has_pending'),
      )
      .select((eb) =>
        eb
          .selectFrom('fanout_posts as r')
          .select('r.x_post_id')
          .whereRef('r.id', '=', 'p.reply_to_post_id')
          .as('reply_to_x_id'),
      )
      .select((eb) =>
        eb
          .selectFrom('fanout_posts as r')
          .select('r.text')
          .whereRef('r.id', '=', 'p.reply_to_post_id')
          .as('reply_to_text'),
      )
      .select((eb) =>
        eb
          .selectFrom('fanout_posts as r')
          .select('r.first_attempt_at')
          .whereRef('r.id', '=', 'p.reply_to_post_id')
          .as('reply_to_first_attempt_at'),
      )
      .select('p.reply_to_post_id')
      .select(startedBatch)
      // Each account's next status post (in order), and each account's oldest replies that
      // could go now (independent of status posts and of each other: several of an account's
      // go at once, within the budget). Only replies that could go are ranked, so that one
      // account's backlog (paused, blocked, out of budget) never hides another's.
      .where(
        sql<boolean>`p.id in (
        select min(id) from fanout_posts where state = 'queued' and kind = 'status' group by account_id
        union all
        (select id from (
          select r.id, row_number() over (partition by rc.id order by r.id) as rank
          from accounts rc
          left join fanout_accounts ra on ra.account_id = rc.id
          cross join lateral (
            select r.id from fanout_posts r
            where r.account_id = rc.id and r.state = 'queued' and r.kind = 'reply' and r.not_before <= ${now}
              and (r.lease_expires_at is null or r.lease_expires_at <= ${now})
            order by r.id limit ${replyRoom}) as r
          where ${replyRoom > 0} and not rc.paused and rc.credentials_encrypted is not null
            and (ra.blocked_until is null or ra.blocked_until <= ${now})
        ) as ranked order by rank, id limit ${replyRoom * 2}))`,
      )
      // Again outside the subquery: a row completed by another worker since this statement's
      // snapshot is re-checked against its new version once locked, and must not pass.
      .where('p.state', '=', 'queued')
      .where('p.not_before', '<=', now)
      .where((eb) => eb.or([eb('p.lease_expires_at', 'is', null), eb('p.lease_expires_at', '<=', now)]))
      .where('c.paused', '=', false)
      .where('c.credentials_encrypted', 'is not', null)
      .where((eb) => eb.or([eb('a.blocked_until', 'is', null), eb('a.blocked_until', '<=', now)]))
      .orderBy('p.id')
      .forUpdate('p')
      .skipLocked()
      .execute()
  );
}

export type ClaimableHead = Awaited<ReturnType<typeof claimableHeads>>[number];

/** Each account's sends since `since`. */
export async function sendCounts(
  trx: Transaction<DB>,
  accountIds: readonly string[],
  since: Date,
): Promise<Map<string, number>> {
  if (accountIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('fanout_sends')
    .select(['account_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('account_id', 'in', [...accountIds])
    .where('sent_at', '>', since)
    .groupBy('account_id')
    .execute();
  return new Map(rows.map((r) => [r.account_id, Number(r.n)]));
}

/** The times of each account's sends since `since` (every account asked has an entry). */
export async function sendTimes(
  trx: Transaction<DB>,
  accountIds: readonly string[],
  since: Date,
): Promise<Map<string, Date[]>> {
  const sentBy = new Map<string, Date[]>(accountIds.map((c) => [c, []]));
  if (accountIds.length === 0) return sentBy;
  const rows = await trx
    .selectFrom('fanout_sends')
    .select(['account_id', 'sent_at'])
    .where('account_id', 'in', [...accountIds])
    .where('sent_at', '>', since)
    .execute();
  for (const r of rows) sentBy.get(r.account_id)?.push(r.sent_at);
  return sentBy;
}

/**
 * The leases, the sends for the budgets and the accounts' health in one statement. Health
 * is kept to the second: an account whose last attempt was recorded within the last
 * second is left alone, so that a claim (holding the claim lock) never waits for the row
 * locks of outcomes being recorded for the same account.
 */
export async function leasePosts(
  trx: Transaction<DB>,
  lease: { ids: readonly string[]; workerId: string; now: Date; leaseUntil: Date },
): Promise<void> {
  const { ids, workerId, now, leaseUntil } = lease;
  await sql`
    with leased as (
      update fanout_posts set lease_owner = ${workerId}, lease_expires_at = ${leaseUntil},
        attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ${now})
      where id = any(${[...ids]}::bigint[]) and state = 'queued'
      returning id, account_id, kind),
    sends as (insert into fanout_sends (account_id, sent_at, post_id, kind) select account_id, ${now}::timestamptz, id, kind from leased),
    -- Not an upsert's "do update ... where": that locks the row before it tests the condition.
    -- The update below sees only rows that existed before this statement, and skips, without
    -- waiting, a row whose last attempt is recent.
    created as (insert into fanout_accounts (account_id, last_attempt_at) select distinct account_id, ${now}::timestamptz from leased on conflict (account_id) do nothing)
    update fanout_accounts a set last_attempt_at = ${now}
    where a.account_id in (select account_id from leased)
      and (a.last_attempt_at is null or a.last_attempt_at < ${new Date(now.getTime() - HEALTH_RESOLUTION_MS)})`.execute(
    trx,
  );
}

/** A claimed head as the dispatcher sends it. */
export function toClaimedPost(h: ClaimableHead, now: Date): ClaimedPost {
  return {
    id: h.id,
    accountId: h.account_id,
    handle: h.handle,
    xUserId: h.x_user_id,
    credentials: h.credentials_encrypted ? Buffer.from(h.credentials_encrypted).toString('utf8') : null,
    text: h.text,
    kind: h.kind,
    replyToXId: (h.kind === 'reply' ? h.in_reply_to_x_id : h.reply_to_x_id) ?? null,
    replyTo:
      h.reply_to_post_id && !h.reply_to_x_id && h.reply_to_text
        ? { postId: h.reply_to_post_id, text: h.reply_to_text, firstAttemptAt: h.reply_to_first_attempt_at ?? now }
        : null,
    attempts: h.attempts + 1,
    firstAttemptAt: h.first_attempt_at ?? now,
  };
}
