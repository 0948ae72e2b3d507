import { randomUUID } from 'node:crypto';
import {
  budgetWaitUntil,
  composeStatusPosts,
  fanoutReadiness,
  inPostingWindow,
  REGULAR_ANNOUNCEMENT,
  sameAnnouncement,
  splitAppBudget,
  type Announcement,
  type AppBudgetRule,
  type BudgetRule,
  type Language,
  type OfficeChange,
  type Readiness,
} from '@jcp/domain';
import { sql, type ExpressionBuilder, type Kysely, type Selectable, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import { takeLock } from '../locks.js';
import type { DB, FanoutPost, FanoutPostsTable, PostOutcome, StatusChangesTable } from '../types.js';

type Snapshot = Pick<
  Selectable<StatusChangesTable>,
  'status' | 'stale' | 'cause' | 'expected_reopen_at' | 'reopen_certainty' | 'until'
>;

function toAnnouncement(row: Snapshot): Announcement {
  return {
    status: row.status,
    cause: row.cause,
    stale: row.stale,
    expectedReopenAt: row.expected_reopen_at,
    reopenCertainty: row.reopen_certainty,
    until: row.until,
  };
}

/** The database's clock: every worker and replica agrees on it. */
export async function dbNow(db: Kysely<DB> | Transaction<DB>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db);
  return new Date(rows[0]!.now);
}

// --- composing -----------------------------------------------------------------------------

export interface PendingAccount extends Readiness {
  clusterId: string;
  /** When the oldest change not yet composed was recorded. */
  oldest: Date;
  urgent: boolean;
}

/** FANOUT_COALESCE_SECONDS's default: changes within a minute become one post. */
export const DEFAULT_COALESCE_SECONDS = 60;

/** A batch none of whose posts was ever tried is recomposed once it is this old: its words ("today", the stamp) go stale. */
export const DEFAULT_RECOMPOSE_AFTER_SECONDS = 900;

export interface FanoutDefaults {
  coalesceSeconds: number;
  /** Default {@link DEFAULT_RECOMPOSE_AFTER_SECONDS}. */
  recomposeAfterSeconds?: number;
}

/**
 * Whether the batch of post `p` was begun: a part delivered, one that may have reached X,
 * or an attempt whose outcome was never recorded (in flight, or its worker died).
 */
const startedBatch = (eb: ExpressionBuilder<DB & { p: FanoutPostsTable }, 'p'>) =>
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

interface QueuedBatch {
  batchId: string;
  composedAt: Date;
  urgent: boolean;
  /** Some post of the batch was tried: it may be on X, so the batch must be finished as it is. */
  started: boolean;
}

/** Each account's batch with queued posts (an account has at most one). */
async function queuedBatches(db: Kysely<DB> | Transaction<DB>, clusterId?: string): Promise<Map<string, QueuedBatch>> {
  let query = db
    .selectFrom('fanout_posts as p')
    .innerJoin('fanout_batches as b', 'b.id', 'p.batch_id')
    .select(['p.cluster_id', 'p.batch_id', 'b.composed_at', 'b.urgent'])
    .select(startedBatch)
    .where('p.state', '=', 'queued')
    .where('p.kind', '=', 'status')
    .distinct();
  if (clusterId) query = query.where('p.cluster_id', '=', clusterId);
  const rows = await query.execute();
  return new Map(
    rows.map((r) => [
      r.cluster_id,
      { batchId: r.batch_id ?? '', composedAt: new Date(r.composed_at), urgent: r.urgent, started: Boolean(r.started) },
    ]),
  );
}

/** Whether an unstarted batch gives way to a new composition: newer changes wait, or its words went stale. */
function supersedable(
  batch: QueuedBatch | undefined,
  hasPending: boolean,
  now: Date,
  recomposeAfterSeconds: number,
): boolean {
  return (
    !!batch &&
    !batch.started &&
    (hasPending || now.getTime() - batch.composedAt.getTime() >= recomposeAfterSeconds * 1000)
  );
}

/**
 * Accounts with something to compose: changes not yet composed, or a batch never tried
 * that newer changes or time have made stale. Says whether each can be composed now.
 */
export async function pendingAccounts(
  db: Kysely<DB>,
  defaults: FanoutDefaults,
): Promise<{ now: Date; accounts: PendingAccount[] }> {
  const recomposeAfter = defaults.recomposeAfterSeconds ?? DEFAULT_RECOMPOSE_AFTER_SECONDS;
  const [now, control, pending, queued, clusters] = await Promise.all([
    dbNow(db),
    db.selectFrom('fanout_control').select('paused').executeTakeFirst(),
    db
      .selectFrom('fanout_outbox')
      .select((eb) => ['cluster_id', eb.fn.min('created_at').as('oldest'), sql<boolean>`bool_or(urgent)`.as('urgent')])
      .where('batch_id', 'is', null)
      .groupBy('cluster_id')
      .execute(),
    queuedBatches(db),
    db
      .selectFrom('clusters as c')
      .select([
        'c.id',
        'c.posting_window_start',
        'c.posting_window_end',
        'c.allow_urgent',
        'c.coalesce_seconds',
        'c.paused',
      ])
      .select(sql<boolean>`c.credentials_encrypted is not null`.as('has_credentials'))
      .where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('fanout_outbox as o')
              .select('o.change_seq')
              .whereRef('o.cluster_id', '=', 'c.id')
              .where('o.batch_id', 'is', null),
          ),
          eb.exists(
            eb
              .selectFrom('fanout_posts as p')
              .select('p.id')
              .whereRef('p.cluster_id', '=', 'c.id')
              .where('p.state', '=', 'queued')
              .where('p.kind', '=', 'status'),
          ),
        ]),
      )
      .execute(),
  ]);
  const allPaused = control?.paused ?? false;
  const pendingBy = new Map(pending.map((p) => [p.cluster_id, p]));
  const accounts: PendingAccount[] = [];
  for (const c of clusters) {
    const p = pendingBy.get(c.id);
    const batch = queued.get(c.id);
    const recompose = supersedable(batch, p !== undefined, now, recomposeAfter);
    if (!p && !recompose) continue; // only delivering: nothing to compose
    const oldest = p ? new Date(p.oldest) : batch!.composedAt;
    const urgent = (p?.urgent ?? false) || (recompose && batch!.urgent);
    const readiness = fanoutReadiness(
      {
        oldest,
        urgent,
        coalesceSeconds: c.coalesce_seconds ?? defaults.coalesceSeconds,
        window: { start: c.posting_window_start, end: c.posting_window_end },
        allowUrgent: c.allow_urgent,
        paused: c.paused || allPaused,
        hasCredentials: c.has_credentials,
        delivering: !!batch && !recompose,
      },
      now,
    );
    accounts.push({ clusterId: c.id, oldest, urgent, ...readiness });
  }
  return { now, accounts };
}

/**
 * The name a Welsh post uses for each office: its Welsh alias. Where the register has two
 * (Aberdar and Aberdâr, Pont-y-pwl and Pont-y-pŵl: one spelt for searching without
 * accents), the one with its diacritics is the name.
 */
export function welshNameByOffice(aliases: readonly { office_id: string; alias: string }[]): Map<string, string> {
  const marks = (s: string) => [...s].filter((ch) => ch.charCodeAt(0) > 127).length;
  const best = new Map<string, string>();
  for (const { office_id, alias } of aliases) {
    const current = best.get(office_id);
    if (current === undefined || marks(alias) > marks(current) || (marks(alias) === marks(current) && alias < current))
      best.set(office_id, alias);
  }
  return best;
}

export interface ComposedBatch {
  batchId: string;
  clusterId: string;
  offices: string[];
  posts: number;
  /** An unstarted batch gave way to this one. */
  superseded: boolean;
}

/**
 * Composes the account's pending changes into posts: the then-current state of each
 * changed office, compared with what its followers last heard (a change undone within
 * the coalescing window, or superseded while the posting window was shut, posts nothing
 * of its own). A queued batch that was never tried gives way (its posts are superseded
 * and its offices composed again with their current state) when newer changes wait or
 * it has gone stale; one that was tried is delivered first. Null when another worker
 * holds the account or there is nothing to compose. The caller has checked readiness.
 */
export async function composeBatch(
  db: Kysely<DB>,
  clusterId: string,
  defaults: Pick<FanoutDefaults, 'recomposeAfterSeconds'> = {},
): Promise<ComposedBatch | null> {
  return db.transaction().execute(async (trx) => {
    const cluster = await trx
      .selectFrom('clusters')
      .select(['id', 'handle', 'languages', 'include_links', 'link'])
      .where('id', '=', clusterId)
      .forNoKeyUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!cluster) return null;
    const now = await dbNow(trx);
    const pending = await trx
      .selectFrom('fanout_outbox')
      .select(['change_seq', 'office_id', 'urgent'])
      .where('cluster_id', '=', clusterId)
      .where('batch_id', 'is', null)
      .orderBy('change_seq')
      .forUpdate()
      .execute();
    // Lock the queued posts: a claim in flight either went first (the batch is then
    // started and stays) or skips them (they are superseded here).
    const queuedPosts = await trx
      .selectFrom('fanout_posts')
      .select(['id', 'batch_id'])
      .where('cluster_id', '=', clusterId)
      .where('state', '=', 'queued')
      .where('kind', '=', 'status')
      .forUpdate()
      .execute();
    let superseded: { office_id: string }[] = [];
    let supersededBatch: QueuedBatch | undefined;
    if (queuedPosts.length > 0) {
      const batch = (await queuedBatches(trx, clusterId)).get(clusterId);
      if (
        !batch ||
        !supersedable(batch, pending.length > 0, now, defaults.recomposeAfterSeconds ?? DEFAULT_RECOMPOSE_AFTER_SECONDS)
      )
        return null;
      superseded = await trx
        .selectFrom('fanout_batch_offices')
        .select('office_id')
        .where('batch_id', '=', batch.batchId)
        .execute();
      // Nothing to say again and nothing new: leave it (never drop posts without a replacement).
      if (superseded.length === 0 && pending.length === 0) return null;
      await trx
        .updateTable('fanout_posts')
        .set({ state: 'superseded' })
        .where(
          'id',
          'in',
          queuedPosts.map((p) => p.id),
        )
        .execute();
      supersededBatch = batch;
    }
    const officeIds = [...new Set([...pending.map((p) => p.office_id), ...superseded.map((o) => o.office_id)])];
    if (officeIds.length === 0) return null;

    const [latest, announced, offices, welsh] = await Promise.all([
      // Each office's newest change: its then-current state.
      trx
        .selectFrom('status_changes')
        .selectAll()
        .distinctOn('office_id')
        .where('office_id', 'in', officeIds)
        .orderBy('office_id')
        .orderBy('seq', 'desc')
        .execute(),
      trx
        .selectFrom('fanout_announced as a')
        .innerJoin('status_changes as c', 'c.seq', 'a.change_seq')
        .select([
          'a.office_id',
          'c.status',
          'c.stale',
          'c.cause',
          'c.expected_reopen_at',
          'c.reopen_certainty',
          'c.until',
        ])
        .where('a.office_id', 'in', officeIds)
        .execute(),
      trx.selectFrom('offices').select(['id', 'name']).where('id', 'in', officeIds).execute(),
      cluster.languages.includes('cy')
        ? trx
            .selectFrom('office_aliases')
            .select(['office_id', 'alias'])
            .where('language', '=', 'cy')
            .where('office_id', 'in', officeIds)
            .execute()
        : Promise.resolve([]),
    ]);
    const welshNames = welshNameByOffice(welsh);
    const before = new Map(announced.map((a) => [a.office_id, toAnnouncement(a)]));
    const names = new Map(offices.map((o) => [o.id, o.name]));
    const toPost = latest
      .filter((c) => !sameAnnouncement(before.get(c.office_id) ?? REGULAR_ANNOUNCEMENT, toAnnouncement(c)))
      .sort((a, b) => (names.get(a.office_id) ?? '').localeCompare(names.get(b.office_id) ?? '', 'en-GB'));

    const changes: OfficeChange[] = toPost.map((c) => ({
      officeName: names.get(c.office_id) ?? c.office_id,
      welshName: welshNames.get(c.office_id) ?? null,
      ...toAnnouncement(c),
    }));
    const account = {
      handle: cluster.handle,
      languages: cluster.languages as Language[],
      includeLink: cluster.include_links,
      ...(cluster.link ? { link: cluster.link } : {}),
    };
    let composed = composeStatusPosts(account, changes, now, { stampAt: now });
    // X refuses a text the account already posted; a second update within the minute gets seconds.
    if (
      composed.length > 0 &&
      (await alreadyUsed(
        trx,
        clusterId,
        composed.flatMap((p) => p.parts),
      ))
    ) {
      composed = composeStatusPosts(account, changes, now, { stampAt: now, stampSeconds: true });
    }

    const batchId = randomUUID();
    await trx
      .insertInto('fanout_batches')
      .values({
        id: batchId,
        cluster_id: clusterId,
        composed_at: now,
        offices: toPost.map((c) => c.office_id),
        urgent: pending.some((p) => p.urgent) || (supersededBatch?.urgent ?? false),
      })
      .execute();
    if (toPost.length > 0)
      await trx
        .insertInto('fanout_batch_offices')
        .values(toPost.map((c) => ({ batch_id: batchId, office_id: c.office_id, change_seq: c.seq })))
        .execute();
    let posts = 0;
    for (const post of composed) {
      let previous: string | null = null;
      for (const [i, text] of post.parts.entries()) {
        const row: { id: string } = await trx
          .insertInto('fanout_posts')
          .values({
            batch_id: batchId,
            cluster_id: clusterId,
            language: post.language,
            part: i + 1,
            parts: post.parts.length,
            reply_to_post_id: previous,
            text,
            not_before: now,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        previous = row.id;
        posts++;
      }
    }
    if (pending.length > 0) {
      await trx
        .updateTable('fanout_outbox')
        .set({ batch_id: batchId })
        .where('cluster_id', '=', clusterId)
        .where('batch_id', 'is', null)
        .where(
          'change_seq',
          'in',
          pending.map((p) => p.change_seq),
        )
        .execute();
    }
    // The superseded batch's changes now belong to this one (what became of a change is
    // one lookup); its posts stay, marked superseded, in the account's history.
    if (supersededBatch)
      await trx
        .updateTable('fanout_outbox')
        .set({ batch_id: batchId })
        .where('batch_id', '=', supersededBatch.batchId)
        .execute();
    return {
      batchId,
      clusterId,
      offices: toPost.map((c) => c.office_id),
      posts,
      superseded: supersededBatch !== undefined,
    };
  });
}

/** Whether the account already has a post (sent or to be sent) with one of these texts. */
async function alreadyUsed(trx: Transaction<DB>, clusterId: string, texts: readonly string[]): Promise<boolean> {
  const row = await trx
    .selectFrom('fanout_posts')
    .select('id')
    .where('cluster_id', '=', clusterId)
    .where('state', 'in', ['queued', 'delivered'])
    .where('text', 'in', [...texts])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

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
  post: Pick<ClaimedPost, 'id' | 'clusterId'>,
  workerId: string,
  result: DeliveryResult,
): Promise<{ recorded: boolean; batchDone: boolean }> {
  const [recorded] = await completePosts(db, [{ post, result }], workerId);
  return recorded!;
}

export interface Completion {
  /** `kind` lets a group of delivered replies (no batch to finish) be recorded in one statement. */
  post: Pick<ClaimedPost, 'id' | 'clusterId'> & { kind?: ClaimedPost['kind'] };
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
      .sort((a, b) => (a.post.clusterId < b.post.clusterId ? -1 : a.post.clusterId > b.post.clusterId ? 1 : 0));
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
  return sql<{ id: string | null; batch_id: string | null; cluster_id: string | null; now: Date }>`
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
      returning p.id, p.batch_id, p.cluster_id),
    -- Health, except where a success on a healthy account was recorded within the last
    -- second (nothing worth a row lock: replies to a burst of questions finish many times a
    -- second per account).
    health as (
      update fanout_accounts a set last_success_at = clock.now, consecutive_failures = 0, last_error = null
      from clock
      where a.cluster_id in (select cluster_id from done)
        and (a.last_success_at is null or a.last_success_at < clock.now - make_interval(secs => ${HEALTH_RESOLUTION_MS / 1000})
          or a.consecutive_failures <> 0 or a.last_error is not null))
    select done.id, done.batch_id, done.cluster_id, clock.now from clock left join done on true`.execute(db);
}

type Delivered = Extract<DeliveryResult, { kind: 'delivered' }>;
type Undelivered = Exclude<DeliveryResult, { kind: 'delivered' }>;

/** An outcome other than a delivery (deliveries are recorded together, in completePosts). */
async function completeUndelivered(
  trx: Transaction<DB>,
  now: Date,
  post: Pick<ClaimedPost, 'id' | 'clusterId'>,
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
    .values({ cluster_id: post.clusterId })
    .onConflict((oc) => oc.column('cluster_id').doNothing())
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
    .where('cluster_id', '=', post.clusterId)
    .execute();
  if (outcome.kind === 'retry' && outcome.appLimited) {
    await trx
      .updateTable('fanout_control')
      .set({ app_blocked_until: sql<Date>`greatest(app_blocked_until, ${outcome.notBefore})` })
      .execute();
  }
  if (outcome.kind === 'credentials-rejected') {
    await trx
      .updateTable('clusters')
      .set({ paused: true, paused_reason: outcome.reason, paused_at: now })
      .where('id', '=', post.clusterId)
      .execute();
    await appendAudit(trx, [
      {
        actor: `system:dispatcher:${workerId}`,
        action: 'cluster.paused',
        entityType: 'cluster',
        entityId: post.clusterId,
        after: { paused: true, reason: outcome.reason },
      },
    ]);
  }
  const batchDone = await announceIfDone(trx, post.id);
  return { recorded: true, batchDone };
}

/** Delivery health (last attempt, last success) is kept to this resolution. */
const HEALTH_RESOLUTION_MS = 1_000;

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
      (select count(*) from clusters where paused) as paused,
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
