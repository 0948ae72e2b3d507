// Composing: which accounts have changes to compose, and the reads and writes of composing a
// batch (composeBatch in @jcp/use-cases decides, in one transaction).
import { randomUUID } from 'node:crypto';
import { fanoutReadiness, type Announcement, type ComposedPost, type OfficeChange, type Readiness } from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { queuedBatches, supersedable, type QueuedBatch } from './fanout-batches.js';
import { toAnnouncement, toOfficeChange } from './status-snapshot.js';
import { dbNow } from './fanout.js';

export type { QueuedBatch };

// --- composing -----------------------------------------------------------------------------

export interface PendingAccount extends Readiness {
  accountId: string;
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
 * Accounts with something to compose: changes not yet composed, or a batch never tried
 * that newer changes or time have made stale. Says whether each can be composed now.
 */
export async function pendingAccounts(
  db: Kysely<DB>,
  defaults: FanoutDefaults,
): Promise<{ now: Date; accounts: PendingAccount[] }> {
  const recomposeAfter = defaults.recomposeAfterSeconds ?? DEFAULT_RECOMPOSE_AFTER_SECONDS;
  const [now, control, pending, queued, accountRows] = await Promise.all([
    dbNow(db),
    db.selectFrom('fanout_control').select('paused').executeTakeFirst(),
    db
      .selectFrom('fanout_outbox')
      .select((eb) => ['account_id', eb.fn.min('created_at').as('oldest'), sql<boolean>`bool_or(urgent)`.as('urgent')])
      .where('batch_id', 'is', null)
      .groupBy('account_id')
      .execute(),
    queuedBatches(db),
    db
      .selectFrom('accounts as c')
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
              .whereRef('o.account_id', '=', 'c.id')
              .where('o.batch_id', 'is', null),
          ),
          eb.exists(
            eb
              .selectFrom('fanout_posts as p')
              .select('p.id')
              .whereRef('p.account_id', '=', 'c.id')
              .where('p.state', '=', 'queued')
              .where('p.kind', '=', 'status'),
          ),
        ]),
      )
      .execute(),
  ]);
  const allPaused = control?.paused ?? false;
  const pendingBy = new Map(pending.map((p) => [p.account_id, p]));
  const accounts: PendingAccount[] = [];
  for (const c of accountRows) {
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
    accounts.push({ accountId: c.id, oldest, urgent, ...readiness });
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

// --- composing: the reads and writes of one batch, in the composer's transaction -----------

/** What composing needs of an account, its row locked: undefined when another worker holds it (SKIP LOCKED). */
export async function lockAccountForComposing(trx: Transaction<DB>, accountId: string) {
  return trx
    .selectFrom('accounts')
    .select(['id', 'handle', 'languages', 'include_links', 'link'])
    .where('id', '=', accountId)
    .forNoKeyUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** The account's changes not yet composed, in order, locked. */
export async function lockPendingChanges(trx: Transaction<DB>, accountId: string) {
  return trx
    .selectFrom('fanout_outbox')
    .select(['change_seq', 'office_id', 'urgent'])
    .where('account_id', '=', accountId)
    .where('batch_id', 'is', null)
    .orderBy('change_seq')
    .forUpdate()
    .execute();
}

/** The account's queued status posts, locked. */
export async function lockQueuedStatusPosts(trx: Transaction<DB>, accountId: string) {
  return trx
    .selectFrom('fanout_posts')
    .select(['id', 'batch_id'])
    .where('account_id', '=', accountId)
    .where('state', '=', 'queued')
    .where('kind', '=', 'status')
    .forUpdate()
    .execute();
}

/** The account's batch with queued posts, if any. */
export async function queuedBatchOf(trx: Transaction<DB>, accountId: string): Promise<QueuedBatch | undefined> {
  return (await queuedBatches(trx, accountId)).get(accountId);
}

/** The offices a batch speaks of. */
export async function batchOfficeIds(trx: Transaction<DB>, batchId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('fanout_batch_offices')
    .select('office_id')
    .where('batch_id', '=', batchId)
    .execute();
  return rows.map((r) => r.office_id);
}

/** Marks queued posts superseded: they stay in the account's history. */
export async function supersedePosts(trx: Transaction<DB>, postIds: readonly string[]): Promise<void> {
  await trx
    .updateTable('fanout_posts')
    .set({ state: 'superseded' })
    .where('id', 'in', [...postIds])
    .execute();
}

/** An office's newest change (its then-current state), and what its followers last heard. */
export interface OfficeToCompose {
  officeId: string;
  /** The newest change's number. */
  seq: string;
  /** The office's name in the register, if it is there. */
  name: string | undefined;
  current: Announcement;
  /** What the account's followers last heard of the office (undefined: nothing, its regular hours). */
  heard: Announcement | undefined;
  /** The newest change as a post tells it (named by its id if the register lacks it; Welsh name for a Welsh account). */
  change: OfficeChange;
}

/** The offices' newest changes and what was last announced of them; `welsh` reads their Welsh names too. */
export async function officeStatesToCompose(
  trx: Transaction<DB>,
  officeIds: readonly string[],
  welsh: boolean,
): Promise<OfficeToCompose[]> {
  const ids = [...officeIds];
  const [latest, announced, offices, aliases] = await Promise.all([
    // Each office's newest change: its then-current state.
    trx
      .selectFrom('status_changes')
      .selectAll()
      .distinctOn('office_id')
      .where('office_id', 'in', ids)
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
      .where('a.office_id', 'in', ids)
      .execute(),
    trx.selectFrom('offices').select(['id', 'name']).where('id', 'in', ids).execute(),
    welsh
      ? trx
          .selectFrom('office_aliases')
          .select(['office_id', 'alias'])
          .where('language', '=', 'cy')
          .where('office_id', 'in', ids)
          .execute()
      : Promise.resolve([]),
  ]);
  const welshNames = welshNameByOffice(aliases);
  const before = new Map(announced.map((a) => [a.office_id, toAnnouncement(a)]));
  const names = new Map(offices.map((o) => [o.id, o.name]));
  return latest.map((c) => ({
    officeId: c.office_id,
    seq: c.seq,
    name: names.get(c.office_id),
    current: toAnnouncement(c),
    heard: before.get(c.office_id),
    change: toOfficeChange(
      { name: names.get(c.office_id) ?? c.office_id, welshName: welshNames.get(c.office_id) ?? null },
      c,
    ),
  }));
}

/** Whether the account already has a post (sent or to be sent) with one of these texts. */
export async function textAlreadyUsed(
  trx: Transaction<DB>,
  accountId: string,
  texts: readonly string[],
): Promise<boolean> {
  const row = await trx
    .selectFrom('fanout_posts')
    .select('id')
    .where('account_id', '=', accountId)
    .where('state', 'in', ['queued', 'delivered'])
    .where('text', 'in', [...texts])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Writes a batch: its row, the offices it speaks of (each with the change it tells), and its
 * posts, queued from `composedAt`, each part of a thread replying to the one before. Returns
 * the batch's id and how many posts were written.
 */
export async function insertBatch(
  trx: Transaction<DB>,
  batch: {
    accountId: string;
    composedAt: Date;
    offices: readonly { officeId: string; changeSeq: string }[];
    urgent: boolean;
    posts: readonly ComposedPost[];
  },
): Promise<{ batchId: string; posts: number }> {
  const { accountId, composedAt: now } = batch;
  const batchId = randomUUID();
  await trx
    .insertInto('fanout_batches')
    .values({
      id: batchId,
      account_id: accountId,
      composed_at: now,
      offices: batch.offices.map((o) => o.officeId),
      urgent: batch.urgent,
    })
    .execute();
  if (batch.offices.length > 0)
    await trx
      .insertInto('fanout_batch_offices')
      .values(batch.offices.map((o) => ({ batch_id: batchId, office_id: o.officeId, change_seq: o.changeSeq })))
      .execute();
  let posts = 0;
  for (const post of batch.posts) {
    let previous: string | null = null;
    for (const [i, text] of post.parts.entries()) {
      const row: { id: string } = await trx
        .insertInto('fanout_posts')
        .values({
          batch_id: batchId,
          account_id: accountId,
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
  return { batchId, posts };
}

/**
 * The changes a batch tells now belong to it: the account's pending changes given, and those
 * of the batch it superseded, if any (what became of a change is one lookup).
 */
export async function assignChangesToBatch(
  trx: Transaction<DB>,
  assign: { accountId: string; batchId: string; changeSeqs: readonly string[]; fromBatchId?: string },
): Promise<void> {
  if (assign.changeSeqs.length > 0) {
    await trx
      .updateTable('fanout_outbox')
      .set({ batch_id: assign.batchId })
      .where('account_id', '=', assign.accountId)
      .where('batch_id', 'is', null)
      .where('change_seq', 'in', [...assign.changeSeqs])
      .execute();
  }
  if (assign.fromBatchId)
    await trx
      .updateTable('fanout_outbox')
      .set({ batch_id: assign.batchId })
      .where('batch_id', '=', assign.fromBatchId)
      .execute();
}
