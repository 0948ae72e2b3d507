// Composing: each account's pending status changes become a batch of posts.
import { randomUUID } from 'node:crypto';
import {
  composeStatusPosts,
  firstDistinct,
  fanoutReadiness,
  REGULAR_ANNOUNCEMENT,
  sameAnnouncement,
  type Language,
  type OfficeChange,
  type Readiness,
} from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { queuedBatches, supersedable, type QueuedBatch } from './fanout-batches.js';
import { toAnnouncement, toOfficeChange } from './status-snapshot.js';
import { dbNow } from './fanout.js';

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

export interface ComposedBatch {
  batchId: string;
  accountId: string;
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
  accountId: string,
  defaults: Pick<FanoutDefaults, 'recomposeAfterSeconds'> = {},
): Promise<ComposedBatch | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('accounts')
      .select(['id', 'handle', 'languages', 'include_links', 'link'])
      .where('id', '=', accountId)
      .forNoKeyUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!row) return null;
    const now = await dbNow(trx);
    const pending = await trx
      .selectFrom('fanout_outbox')
      .select(['change_seq', 'office_id', 'urgent'])
      .where('account_id', '=', accountId)
      .where('batch_id', 'is', null)
      .orderBy('change_seq')
      .forUpdate()
      .execute();
    // Lock the queued posts: a claim in flight either went first (the batch is then
    // started and stays) or skips them (they are superseded here).
    const queuedPosts = await trx
      .selectFrom('fanout_posts')
      .select(['id', 'batch_id'])
      .where('account_id', '=', accountId)
      .where('state', '=', 'queued')
      .where('kind', '=', 'status')
      .forUpdate()
      .execute();
    let superseded: { office_id: string }[] = [];
    let supersededBatch: QueuedBatch | undefined;
    if (queuedPosts.length > 0) {
      const batch = (await queuedBatches(trx, accountId)).get(accountId);
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
      row.languages.includes('cy')
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

    const changes: OfficeChange[] = toPost.map((c) =>
      toOfficeChange(
        { name: names.get(c.office_id) ?? c.office_id, welshName: welshNames.get(c.office_id) ?? null },
        c,
      ),
    );
    const account = {
      handle: row.handle,
      languages: row.languages as Language[],
      includeLink: row.include_links,
      ...(row.link ? { link: row.link } : {}),
    };
    // X refuses a text the account already posted: the one rule (distinct-text) tells a
    // second update within the minute apart by its seconds, a third within the second by a count.
    const composed = await firstDistinct(
      (attempt) => composeStatusPosts(account, changes, now, { stampAt: now, stampAttempt: attempt }),
      async (posts) =>
        posts.length > 0 &&
        alreadyUsed(
          trx,
          accountId,
          posts.flatMap((p) => p.parts),
        ),
    );

    const batchId = randomUUID();
    await trx
      .insertInto('fanout_batches')
      .values({
        id: batchId,
        account_id: accountId,
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
    if (pending.length > 0) {
      await trx
        .updateTable('fanout_outbox')
        .set({ batch_id: batchId })
        .where('account_id', '=', accountId)
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
      accountId,
      offices: toPost.map((c) => c.office_id),
      posts,
      superseded: supersededBatch !== undefined,
    };
  });
}

/** Whether the account already has a post (sent or to be sent) with one of these texts. */
async function alreadyUsed(trx: Transaction<DB>, accountId: string, texts: readonly string[]): Promise<boolean> {
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
