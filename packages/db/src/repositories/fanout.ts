import { randomUUID } from 'node:crypto';
import {
  budgetWaitUntil,
  composeStatusPosts,
  fanoutReadiness,
  REGULAR_ANNOUNCEMENT,
  sameAnnouncement,
  type Announcement,
  type BudgetRule,
  type Language,
  type OfficeChange,
  type Readiness,
} from '@jcp/domain';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import type { DB, FanoutPost, PostOutcome, StatusChangesTable } from '../types.js';

/** Claims of posts are serialised so that the app-wide budget is counted exactly. */
export const FANOUT_CLAIM_LOCK_KEY = 4_283_117_004;

type Snapshot = Pick<Selectable<StatusChangesTable>, 'status' | 'stale' | 'cause' | 'expected_reopen_at' | 'reopen_certainty' | 'until'>;

function toAnnouncement(row: Snapshot): Announcement {
  return { status: row.status, cause: row.cause, stale: row.stale, expectedReopenAt: row.expected_reopen_at, reopenCertainty: row.reopen_certainty, until: row.until };
}

/** The database's clock: every worker and replica agrees on it. */
async function dbNow(db: Kysely<DB> | Transaction<DB>): Promise<Date> {
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

export interface FanoutDefaults {
  coalesceSeconds: number;
}

/** Accounts with changes not yet composed, and whether each can be composed now. */
export async function pendingAccounts(db: Kysely<DB>, defaults: FanoutDefaults): Promise<{ now: Date; accounts: PendingAccount[] }> {
  const [now, control, rows] = await Promise.all([
    dbNow(db),
    db.selectFrom('fanout_control').select('paused').executeTakeFirst(),
    db
      .selectFrom('fanout_outbox as o')
      .innerJoin('clusters as c', 'c.id', 'o.cluster_id')
      .select((eb) => [
        'o.cluster_id',
        eb.fn.min('o.created_at').as('oldest'),
        sql<boolean>`bool_or(o.urgent)`.as('urgent'),
        'c.posting_window_start',
        'c.posting_window_end',
        'c.allow_urgent',
        'c.coalesce_seconds',
        'c.paused',
        sql<boolean>`c.credentials_encrypted is not null`.as('has_credentials'),
        eb.exists(eb.selectFrom('fanout_posts as p').select('p.id').whereRef('p.cluster_id', '=', 'o.cluster_id').where('p.state', '=', 'queued')).as('delivering'),
      ])
      .where('o.batch_id', 'is', null)
      .groupBy(['o.cluster_id', 'c.id'])
      .execute(),
  ]);
  const allPaused = control?.paused ?? false;
  const accounts = rows.map((r): PendingAccount => {
    const oldest = new Date(r.oldest);
    const readiness = fanoutReadiness(
      {
        oldest,
        urgent: r.urgent,
        coalesceSeconds: r.coalesce_seconds ?? defaults.coalesceSeconds,
        window: { start: r.posting_window_start, end: r.posting_window_end },
        allowUrgent: r.allow_urgent,
        paused: r.paused || allPaused,
        hasCredentials: r.has_credentials,
        delivering: Boolean(r.delivering),
      },
      now,
    );
    return { clusterId: r.cluster_id, oldest, urgent: r.urgent, ...readiness };
  });
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
    if (current === undefined || marks(alias) > marks(current) || (marks(alias) === marks(current) && alias < current)) best.set(office_id, alias);
  }
  return best;
}

export interface ComposedBatch {
  batchId: string;
  clusterId: string;
  offices: string[];
  posts: number;
}

/**
 * Composes the account's pending changes into posts: the then-current state of each
 * changed office, compared with what was last announced for it (a change undone within
 * the coalescing window, or superseded while the posting window was shut, posts nothing
 * of its own). Null when another worker holds the account, it still has posts to
 * deliver, or nothing is pending. The caller has checked the account is ready.
 */
export async function composeBatch(db: Kysely<DB>, clusterId: string): Promise<ComposedBatch | null> {
  return db.transaction().execute(async (trx) => {
    const cluster = await trx
      .selectFrom('clusters')
      .select(['id', 'handle', 'languages', 'include_links', 'link'])
      .where('id', '=', clusterId)
      .forNoKeyUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!cluster) return null;
    const busy = await trx.selectFrom('fanout_posts').select('id').where('cluster_id', '=', clusterId).where('state', '=', 'queued').limit(1).executeTakeFirst();
    if (busy) return null;
    const pending = await trx
      .selectFrom('fanout_outbox')
      .select(['change_seq', 'office_id', 'urgent'])
      .where('cluster_id', '=', clusterId)
      .where('batch_id', 'is', null)
      .orderBy('change_seq')
      .forUpdate()
      .execute();
    if (pending.length === 0) return null;
    const now = await dbNow(trx);

    const latestSeq = new Map<string, string>();
    for (const p of pending) latestSeq.set(p.office_id, p.change_seq);
    const officeIds = [...latestSeq.keys()];
    const [latest, announced, offices, welsh] = await Promise.all([
      trx.selectFrom('status_changes').selectAll().where('seq', 'in', [...latestSeq.values()]).execute(),
      trx
        .selectFrom('fanout_announced as a')
        .innerJoin('status_changes as c', 'c.seq', 'a.change_seq')
        .select(['a.office_id', 'c.status', 'c.stale', 'c.cause', 'c.expected_reopen_at', 'c.reopen_certainty', 'c.until'])
        .where('a.office_id', 'in', officeIds)
        .execute(),
      trx.selectFrom('offices').select(['id', 'name']).where('id', 'in', officeIds).execute(),
      cluster.languages.includes('cy')
        ? trx.selectFrom('office_aliases').select(['office_id', 'alias']).where('language', '=', 'cy').where('office_id', 'in', officeIds).execute()
        : Promise.resolve([]),
    ]);
    const welshNames = welshNameByOffice(welsh);
    const before = new Map(announced.map((a) => [a.office_id, toAnnouncement(a)]));
    const names = new Map(offices.map((o) => [o.id, o.name]));
    const toPost = latest
      .filter((c) => !sameAnnouncement(before.get(c.office_id) ?? REGULAR_ANNOUNCEMENT, toAnnouncement(c)))
      .sort((a, b) => (names.get(a.office_id) ?? '').localeCompare(names.get(b.office_id) ?? '', 'en-GB'));

    const changes: OfficeChange[] = toPost.map((c) => ({ officeName: names.get(c.office_id) ?? c.office_id, welshName: welshNames.get(c.office_id) ?? null, ...toAnnouncement(c) }));
    const account = { handle: cluster.handle, languages: cluster.languages as Language[], includeLink: cluster.include_links, ...(cluster.link ? { link: cluster.link } : {}) };
    const composed = composeStatusPosts(account, changes, now, { stampAt: now });

    const batchId = randomUUID();
    await trx
      .insertInto('fanout_batches')
      .values({ id: batchId, cluster_id: clusterId, composed_at: now, offices: toPost.map((c) => c.office_id), urgent: pending.some((p) => p.urgent) })
      .execute();
    let posts = 0;
    for (const post of composed) {
      let previous: string | null = null;
      for (const [i, text] of post.parts.entries()) {
        const row: { id: string } = await trx
          .insertInto('fanout_posts')
          .values({ batch_id: batchId, cluster_id: clusterId, language: post.language, part: i + 1, parts: post.parts.length, reply_to_post_id: previous, text, not_before: now, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        previous = row.id;
        posts++;
      }
    }
    await trx.updateTable('fanout_outbox').set({ batch_id: batchId }).where('cluster_id', '=', clusterId).where('batch_id', 'is', null).where('change_seq', 'in', pending.map((p) => p.change_seq)).execute();
    if (toPost.length > 0) {
      await trx
        .insertInto('fanout_announced')
        .values(toPost.map((c) => ({ office_id: c.office_id, change_seq: c.seq, batch_id: batchId })))
        .onConflict((oc) => oc.column('office_id').doUpdateSet((eb) => ({ change_seq: eb.ref('excluded.change_seq'), batch_id: eb.ref('excluded.batch_id') })))
        .execute();
    }
    return { batchId, clusterId, offices: toPost.map((c) => c.office_id), posts };
  });
}

// --- delivering ----------------------------------------------------------------------------

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  limit: number;
  userBudget: BudgetRule;
  appBudget: BudgetRule;
}

export interface ClaimedPost {
  id: string;
  clusterId: string;
  handle: string;
  xUserId: string | null;
  credentials: string | null;
  text: string;
  replyToXId: string | null;
  attempts: number;
}

export interface ClaimResult {
  posts: ClaimedPost[];
  /** When an account held back by its budget will have room again (null: none is). */
  budgetRoomAt: Date | null;
}

/**
 * Leases the next post of up to `limit` accounts: each account's lowest queued post
 * (so a reopening never overtakes its closure, and a thread's parts go in order), only
 * where the account is not paused or blocked by a 429, its per-user budget has room and
 * the app's budget has room. Each claim is recorded as a send for the budgets. Claims
 * are serialised by an advisory lock, so that budgets count exactly across workers.
 */
export async function claimPosts(db: Kysely<DB>, options: ClaimOptions): Promise<ClaimResult> {
  const none: ClaimResult = { posts: [], budgetRoomAt: null };
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${FANOUT_CLAIM_LOCK_KEY})`.execute(trx);
    const control = await trx.selectFrom('fanout_control').selectAll().executeTakeFirst();
    if (control?.paused) return none;
    const now = await dbNow(trx);
    if (control?.app_blocked_until && control.app_blocked_until > now) return none;
    const appUsed = await trx
      .selectFrom('fanout_sends')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('sent_at', '>', new Date(now.getTime() - options.appBudget.windowMs))
      .executeTakeFirst();
    const room = Math.min(options.limit, options.appBudget.limit - Number(appUsed?.n ?? 0));
    if (room <= 0) return none;

    const heads = await trx
      .selectFrom('fanout_posts as p')
      .innerJoin('clusters as c', 'c.id', 'p.cluster_id')
      .leftJoin('fanout_accounts as a', 'a.cluster_id', 'p.cluster_id')
      .select(['p.id', 'p.cluster_id', 'p.text', 'p.attempts', 'c.handle', 'c.x_user_id', 'c.credentials_encrypted'])
      .select((eb) => eb.selectFrom('fanout_posts as r').select('r.x_post_id').whereRef('r.id', '=', 'p.reply_to_post_id').as('reply_to_x_id'))
      .where('p.id', 'in', (eb) => eb.selectFrom('fanout_posts').select((e) => e.fn.min('id').as('id')).where('state', '=', 'queued').groupBy('cluster_id'))
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
    const recent = await trx
      .selectFrom('fanout_sends')
      .select(['cluster_id', 'sent_at'])
      .where('cluster_id', 'in', heads.map((h) => h.cluster_id))
      .where('sent_at', '>', new Date(now.getTime() - options.userBudget.windowMs))
      .execute();
    const sentBy = new Map<string, Date[]>();
    for (const r of recent) sentBy.set(r.cluster_id, [...(sentBy.get(r.cluster_id) ?? []), r.sent_at]);
    const waits: (Date | null)[] = [];
    const claimable = heads.filter((h) => {
      const wait = budgetWaitUntil(sentBy.get(h.cluster_id) ?? [], options.userBudget, now);
      waits.push(wait);
      return wait === null;
    });
    const chosen = claimable.slice(0, room);
    const budgetRoomAt = waits.filter((w): w is Date => w !== null).reduce<Date | null>((min, w) => (min === null || w < min ? w : min), null);
    if (chosen.length === 0) return { posts: [], budgetRoomAt };

    const ids = chosen.map((h) => h.id);
    await trx
      .updateTable('fanout_posts')
      .set({ lease_owner: options.workerId, lease_expires_at: new Date(now.getTime() + options.leaseMs), attempts: sql`attempts + 1` })
      .where('id', 'in', ids)
      .execute();
    await trx.insertInto('fanout_sends').values(chosen.map((h) => ({ cluster_id: h.cluster_id, sent_at: now, post_id: h.id }))).execute();
    await trx
      .insertInto('fanout_accounts')
      .values(chosen.map((h) => ({ cluster_id: h.cluster_id, last_attempt_at: now })))
      .onConflict((oc) => oc.column('cluster_id').doUpdateSet({ last_attempt_at: now }))
      .execute();
    const posts = chosen.map((h) => ({
      id: h.id,
      clusterId: h.cluster_id,
      handle: h.handle,
      xUserId: h.x_user_id,
      credentials: h.credentials_encrypted ? Buffer.from(h.credentials_encrypted).toString('utf8') : null,
      text: h.text,
      replyToXId: h.reply_to_x_id ?? null,
      attempts: h.attempts + 1,
    }));
    return { posts, budgetRoomAt };
  });
}

export type DeliveryResult =
  | { kind: 'delivered'; outcome: PostOutcome; xPostId: string | null }
  /** rateLimited: X said 429 for the account; appLimited: the app's daily cap is spent (every account waits). */
  | { kind: 'retry'; notBefore: Date; reason: string; rateLimited: boolean; appLimited?: boolean }
  /** X refused the account's credentials: the account is paused and the post waits for it. */
  | { kind: 'credentials-rejected'; reason: string }
  | { kind: 'failed'; reason: string };

/**
 * Records the outcome of a claimed post. Only the lease holder's outcome counts: a
 * worker whose lease expired (and whose post another worker took over) changes nothing.
 * Returns whether the outcome was recorded.
 */
export async function completePost(db: Kysely<DB>, post: Pick<ClaimedPost, 'id' | 'clusterId'>, workerId: string, result: DeliveryResult): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const now = await dbNow(trx);
    const mine = trx.updateTable('fanout_posts').where('id', '=', post.id).where('lease_owner', '=', workerId).where('state', '=', 'queued');
    const release = { lease_owner: null, lease_expires_at: null };
    let updated;
    if (result.kind === 'delivered') {
      updated = await mine.set({ ...release, state: 'delivered', outcome: result.outcome, x_post_id: result.xPostId, delivered_at: now, delivered_by: workerId, last_error: null }).executeTakeFirst();
    } else if (result.kind === 'retry' || result.kind === 'credentials-rejected') {
      // An app-wide block is kept on fanout_control (one place to see and lift it), not on each post.
      const notBefore = result.kind === 'retry' && !result.appLimited ? result.notBefore : now;
      updated = await mine.set({ ...release, not_before: notBefore, last_error: result.reason }).executeTakeFirst();
    } else {
      updated = await mine.set({ ...release, state: 'failed', last_error: result.reason }).executeTakeFirst();
    }
    if (Number(updated.numUpdatedRows) === 0) return false;
    const success = result.kind === 'delivered';
    await trx
      .insertInto('fanout_accounts')
      .values({ cluster_id: post.clusterId })
      .onConflict((oc) => oc.column('cluster_id').doNothing())
      .execute();
    await trx
      .updateTable('fanout_accounts')
      .set(
        success
          ? { last_success_at: now, consecutive_failures: 0, last_error: null }
          : {
              last_failure_at: now,
              last_error: result.reason,
              consecutive_failures: sql`consecutive_failures + 1`,
              ...(result.kind === 'retry' && result.rateLimited && !result.appLimited ? { blocked_until: result.notBefore } : {}),
            },
      )
      .where('cluster_id', '=', post.clusterId)
      .execute();
    if (result.kind === 'retry' && result.appLimited) {
      await trx.updateTable('fanout_control').set({ app_blocked_until: result.notBefore }).execute();
    }
    if (result.kind === 'credentials-rejected') {
      await trx.updateTable('clusters').set({ paused: true, paused_reason: result.reason, paused_at: now }).where('id', '=', post.clusterId).execute();
      await appendAudit(trx, [{ actor: `system:dispatcher:${workerId}`, action: 'cluster.paused', entityType: 'cluster', entityId: post.clusterId, after: { paused: true, reason: result.reason } }]);
    }
    return true;
  });
}

/** Deletes budget records older than the longest budget window. */
export async function pruneSends(db: Kysely<DB>, olderThanMs: number): Promise<number> {
  const result = await db.deleteFrom('fanout_sends').where('sent_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`).executeTakeFirst();
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
  const { rows } = await sql<{ queued: string; pending: string; oldest: number | string | null; paused: string; all_paused: boolean | null }>`
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
