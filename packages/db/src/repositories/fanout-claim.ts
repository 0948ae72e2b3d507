// Claiming: the next posts to send, leased to one worker within the budgets.
import { budgetWaitUntil, inPostingWindow, splitAppBudget, type AppBudgetRule, type BudgetRule } from '@jcp/domain';
import { sql, type Kysely } from 'kysely';
import { takeLock } from '../locks.js';
import type { DB } from '../types.js';
import { HEALTH_RESOLUTION_MS, startedBatch, supersedable } from './fanout-batches.js';
import { DEFAULT_RECOMPOSE_AFTER_SECONDS } from './fanout-compose.js';

// --- delivering ----------------------------------------------------------------------------

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  limit: number;
  userBudget: BudgetRule;
  /** The app's budget, and the share of it replies may use (splitAppBudget). */
  appBudget: AppBudgetRule;
  /** As for composing (default {@link DEFAULT_RECOMPOSE_AFTER_SECONDS}). */
  recomposeAfterSeconds?: number;
}

export interface ClaimedPost {
  id: string;
  clusterId: string;
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

export interface ClaimResult {
  posts: ClaimedPost[];
  /** When an account held back by its budget will have room again (null: none is), on the database's clock. */
  budgetRoomAt: Date | null;
  /** The database's clock at the claim, to turn budgetRoomAt into a delay. */
  now: Date | null;
}

/**
 * Leases the next post of up to `limit` accounts: each account's lowest queued post
 * (so a reopening never overtakes its closure, and a thread's parts go in order), only
 * where the account is not paused or blocked by a 429, its per-user budget has room and
 * the app's budget has room: replies only within their share of it (splitAppBudget), status
 * posts within all of it. Each claim is recorded as a send, of its kind, for the budgets.
 * Claims are serialised by an advisory lock, so that budgets count exactly across workers.
 */
export async function claimPosts(db: Kysely<DB>, options: ClaimOptions): Promise<ClaimResult> {
  const none: ClaimResult = { posts: [], budgetRoomAt: null, now: null };
  return db.transaction().execute(async (trx) => {
    await takeLock(trx, 'fanoutClaim');
    // The switches, the clock and the app's budget used by kind, in one round trip (claims are serialised).
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
          from fanout_sends where sent_at > clock_timestamp() - make_interval(secs => ${options.appBudget.windowMs / 1000})) as used`.execute(
      trx,
    );
    const control = rows[0]!;
    if (control.paused) return none;
    const now = new Date(control.now);
    if (control.app_blocked_until && control.app_blocked_until > now) return none;
    const app = splitAppBudget(options.appBudget, {
      status: Number(control.status_used),
      replies: Number(control.replies_used),
    });
    const room = Math.min(options.limit, app.statusRemaining);
    if (room <= 0) return none;
    // Replies beyond their share are not even looked at (nor locked).
    const replyRoom = Math.min(room, app.repliesRemaining);

    const heads = await trx
      .selectFrom('fanout_posts as p')
      .innerJoin('clusters as c', 'c.id', 'p.cluster_id')
      .leftJoin('fanout_batches as b', 'b.id', 'p.batch_id')
      .leftJoin('fanout_accounts as a', 'a.cluster_id', 'p.cluster_id')
      .select([
        'p.id',
        'p.cluster_id',
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
              .whereRef('o.cluster_id', '=', 'p.cluster_id')
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
          select min(id) from fanout_posts where state = 'queued' and kind = 'status' group by cluster_id
          union all
          (select id from (
            select r.id, row_number() over (partition by rc.id order by r.id) as rank
            from clusters rc
            left join fanout_accounts ra on ra.cluster_id = rc.id
            cross join lateral (
              select r.id from fanout_posts r
              where r.cluster_id = rc.id and r.state = 'queued' and r.kind = 'reply' and r.not_before <= ${now}
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
      .execute();
    if (heads.length === 0) return none;

    // Each account's sends in its budget window: the budget arithmetic of packages/domain.
    // A margin on the window: a send is timed here at the claim and at X on arrival, and
    // X's windows are fixed where ours slides; a little stricter than X never meets a 429.
    const userBudget = {
      limit: options.userBudget.limit,
      windowMs: options.userBudget.windowMs + Math.max(1_000, Math.floor(options.userBudget.windowMs / 100)),
    };
    const replyBudget = {
      limit: Math.max(1, userBudget.limit - Math.ceil(userBudget.limit / 5)),
      windowMs: userBudget.windowMs,
    };
    // Counted per account first; the send times are read only for accounts near their
    // limit (the arithmetic needs them there, and nowhere else).
    const windowStart = new Date(now.getTime() - userBudget.windowMs);
    const headClusters = [...new Set(heads.map((h) => h.cluster_id))];
    const sentCounts = await trx
      .selectFrom('fanout_sends')
      .select(['cluster_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('cluster_id', 'in', headClusters)
      .where('sent_at', '>', windowStart)
      .groupBy('cluster_id')
      .execute();
    const counted = new Map(sentCounts.map((r) => [r.cluster_id, Number(r.n)]));
    const nearLimit = headClusters.filter((c) => (counted.get(c) ?? 0) + heads.length >= replyBudget.limit);
    const recent =
      nearLimit.length === 0
        ? []
        : await trx
            .selectFrom('fanout_sends')
            .select(['cluster_id', 'sent_at'])
            .where('cluster_id', 'in', nearLimit)
            .where('sent_at', '>', windowStart)
            .execute();
    const sentBy = new Map<string, Date[]>(nearLimit.map((c) => [c, []]));
    for (const r of recent) sentBy.get(r.cluster_id)?.push(r.sent_at);
    const waits: (Date | null)[] = [];
    /** Whether the account's budget has room for one more now; if so, counts it. */
    const take = (clusterId: string, rule: BudgetRule): boolean => {
      const sent = sentBy.get(clusterId);
      if (!sent) {
        // Far from the limit (checked above for every head at once).
        counted.set(clusterId, (counted.get(clusterId) ?? 0) + 1);
        return true;
      }
      const wait = budgetWaitUntil(sent, rule, now);
      waits.push(wait);
      if (wait === null) sent.push(now);
      return wait === null;
    };
    const claimable = heads.filter((h) => {
      // A reply answers a citizen day or night: no posting window, no batch to supersede.
      // Replies leave a fifth of the account's budget to status posts, so that a surge of
      // questions never holds back the news that answers them.
      if (h.kind === 'reply') return take(h.cluster_id, replyBudget);
      // A batch goes out inside the posting window (or urgent where allowed); one already
      // begun is finished, so that a thread is not left half-posted until the morning.
      const window = { start: h.posting_window_start, end: h.posting_window_end };
      if (!h.started && !inPostingWindow(window, now) && !(h.urgent && h.allow_urgent)) return false;
      // A batch not begun that newer changes or time have overtaken is the composer's to
      // replace: sending it now would post what is no longer true.
      const batch = {
        batchId: '',
        composedAt: new Date(h.composed_at ?? now),
        urgent: h.urgent ?? false,
        started: Boolean(h.started),
      };
      if (
        supersedable(
          batch,
          Boolean(h.has_pending),
          now,
          options.recomposeAfterSeconds ?? DEFAULT_RECOMPOSE_AFTER_SECONDS,
        )
      )
        return false;
      return take(h.cluster_id, userBudget);
    });
    // Within the app's budget: every kind within what is left, replies within their share too.
    let replies = 0;
    const chosen = claimable.filter((h) => h.kind !== 'reply' || replies++ < replyRoom).slice(0, room);
    const budgetRoomAt = waits
      .filter((w): w is Date => w !== null)
      .reduce<Date | null>((min, w) => (min === null || w < min ? w : min), null);
    if (chosen.length === 0) return { posts: [], budgetRoomAt, now };

    // The leases, the sends for the budgets and the accounts' health in one statement. Health
    // is kept to the second: an account whose last attempt was recorded within the last
    // second is left alone, so that a claim (holding the claim lock) never waits for the row
    // locks of outcomes being recorded for the same account.
    await sql`
      with leased as (
        update fanout_posts set lease_owner = ${options.workerId}, lease_expires_at = ${new Date(now.getTime() + options.leaseMs)},
          attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ${now})
        where id = any(${chosen.map((h) => h.id)}::bigint[]) and state = 'queued'
        returning id, cluster_id, kind),
      sends as (insert into fanout_sends (cluster_id, sent_at, post_id, kind) select cluster_id, ${now}::timestamptz, id, kind from leased),
      -- Not an upsert's "do update ... where": that locks the row before it tests the condition.
      -- The update below sees only rows that existed before this statement, and skips, without
      -- waiting, a row whose last attempt is recent.
      created as (insert into fanout_accounts (cluster_id, last_attempt_at) select distinct cluster_id, ${now}::timestamptz from leased on conflict (cluster_id) do nothing)
      update fanout_accounts a set last_attempt_at = ${now}
      where a.cluster_id in (select cluster_id from leased)
        and (a.last_attempt_at is null or a.last_attempt_at < ${new Date(now.getTime() - HEALTH_RESOLUTION_MS)})`.execute(
      trx,
    );
    const posts = chosen.map((h) => ({
      id: h.id,
      clusterId: h.cluster_id,
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
    }));
    return { posts, budgetRoomAt, now };
  });
}
