// Mentions' reads and writes for receiving them (the use case receiveMentions in
// @jcp/use-cases decides and composes; this stores and reads).
import { DEFAULT_LIVE_HOURS, type LiveHours, type OfficeChange } from '@jcp/domain';
export type { IncomingMention } from '@jcp/domain';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { dbNow } from './fanout.js';
import { welshNameByOffice } from './fanout-compose.js';
import { toOfficeChange } from './status-snapshot.js';

export function parseLiveHours(value: unknown): LiveHours {
  const v = value as Partial<LiveHours> | null;
  if (v && Array.isArray(v.days) && typeof v.start === 'string' && typeof v.end === 'string')
    return { days: v.days, start: v.start, end: v.end };
  return DEFAULT_LIVE_HOURS;
}

/**
 * Replies queued for the mentions `where` picks, not sent and not in flight, are not sent
 * (one that may be on X already is left to finish): their questions go to a person, with
 * `reason`. Returns how many.
 */
export async function withdrawReplies(
  trx: Transaction<DB>,
  now: Date,
  where: RawBuilder<boolean>,
  reason: string,
  why: string,
): Promise<number> {
  const withdrawn = await sql<{ id: string }>`
    update fanout_posts p set state = 'superseded', last_error = ${`not sent: ${why}`}
    where p.kind = 'reply' and p.state = 'queued' and not p.maybe_on_x and (p.lease_expires_at is null or p.lease_expires_at <= ${now})
      and exists (select 1 from mentions m where m.reply_post_id = p.id and ${where})
    returning p.id`.execute(trx);
  if (withdrawn.rows.length > 0) {
    await trx
      .updateTable('mentions')
      .set({ decision: 'inbox', reason, inbox_state: 'open' })
      .where(
        'reply_post_id',
        'in',
        withdrawn.rows.map((r) => String(r.id)),
      )
      .execute();
  }
  return withdrawn.rows.length;
}

/**
 * A reply held back (a paused or blocked account, the budget) until its question is older
 * than `maxAgeSeconds` is not sent: the question goes to a person instead. Returns how many.
 */
export async function expireHeldReplies(db: Kysely<DB>, maxAgeSeconds: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const now = await dbNow(trx);
    const cutoff = new Date(now.getTime() - maxAgeSeconds * 1000);
    return withdrawReplies(
      trx,
      now,
      sql<boolean>`m.posted_at < ${cutoff}`,
      'too-old',
      'the question is older than the maximum age for an automatic reply',
    );
  });
}

export interface OfficeStates {
  changeFor(officeId: string): OfficeChange | null;
  summaryFor(accountId: string): { total: number; disrupted: OfficeChange[] };
}

export async function officeStates(
  trx: Transaction<DB>,
  officeIds: readonly string[],
  accountIds: readonly string[],
): Promise<OfficeStates> {
  if (officeIds.length === 0 && accountIds.length === 0)
    return { changeFor: () => null, summaryFor: () => ({ total: 0, disrupted: [] }) };
  const rows = await trx
    .selectFrom('offices as o')
    .leftJoin('office_status as s', 's.office_id', 'o.id')
    .select([
      'o.id',
      'o.name',
      'o.account_id',
      's.status',
      's.stale',
      's.cause',
      's.expected_reopen_at',
      's.reopen_certainty',
      's.until',
    ])
    .where('o.closed_permanently_on', 'is', null)
    .where((eb) => {
      const parts = [];
      if (officeIds.length > 0) parts.push(eb('o.id', 'in', [...officeIds]));
      if (accountIds.length > 0) parts.push(eb('o.account_id', 'in', [...accountIds]));
      return eb.or(parts);
    })
    .orderBy('o.name')
    .execute();
  const disruptedIds = rows.filter((r) => r.status && r.status !== 'open').map((r) => r.id);
  const wantWelsh = [...new Set([...officeIds, ...disruptedIds])];
  const welsh =
    wantWelsh.length === 0
      ? []
      : await trx
          .selectFrom('office_aliases')
          .select(['office_id', 'alias'])
          .where('language', '=', 'cy')
          .where('office_id', 'in', wantWelsh)
          .execute();
  const welshNames = welshNameByOffice(welsh);
  const change = (r: (typeof rows)[number]): OfficeChange =>
    toOfficeChange({ name: r.name, welshName: welshNames.get(r.id) ?? null }, r);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    changeFor: (id) => {
      const r = byId.get(id);
      return r ? change(r) : null;
    },
    summaryFor: (accountId) => {
      const mine = rows.filter((r) => r.account_id === accountId);
      return { total: mine.length, disrupted: mine.filter((r) => r.status && r.status !== 'open').map(change) };
    },
  };
}
