import type { Kysely } from 'kysely';
import type { DB, StatusChange } from '../types.js';

export interface ChangePage {
  changes: StatusChange[];
  /** The cursor to continue from: the last change's seq, or the given cursor when none. */
  cursor: string;
}

/** Changes after `cursor` (a seq; '0' from the start), oldest first. */
export async function changesAfter(
  db: Kysely<DB>,
  cursor: string,
  limit: number,
  filter: { officeId?: string | undefined } = {},
): Promise<ChangePage> {
  let query = db.selectFrom('status_changes').selectAll().where('seq', '>', cursor).orderBy('seq').limit(limit);
  if (filter.officeId) query = query.where('office_id', '=', filter.officeId);
  const changes = await query.execute();
  return { changes, cursor: changes.at(-1)?.seq ?? cursor };
}

/** One office's changes, newest first, before `before` (a seq) when given. */
export async function officeHistory(
  db: Kysely<DB>,
  officeId: string,
  limit: number,
  before?: string,
): Promise<StatusChange[]> {
  let query = db
    .selectFrom('status_changes')
    .selectAll()
    .where('office_id', '=', officeId)
    .orderBy('seq', 'desc')
    .limit(limit);
  if (before) query = query.where('seq', '<', before);
  return query.execute();
}

/** The newest change's seq ('0' when there is none): where a new feed client starts. */
export async function latestChangeSeq(db: Kysely<DB>): Promise<string> {
  const row = await db
    .selectFrom('status_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return row?.seq ?? '0';
}

/**
 * Offices with a change recorded after `since` (the list's changedSince filter). By
 * record time, not effect time: a scheduled change is recorded by the scheduler a few
 * seconds after it takes effect, and a client polling with the time of its last poll
 * must still see it.
 */
export async function officesChangedSince(db: Kysely<DB>, since: Date): Promise<Set<string>> {
  const rows = await db
    .selectFrom('status_changes')
    .select('office_id')
    .distinct()
    .where('recorded_at', '>', since)
    .execute();
  return new Set(rows.map((r) => r.office_id));
}

/**
 * When each office's last status change was recorded (offices with none are left out), for
 * these offices or (null) every office: through `office_status.last_change_seq`, one
 * primary-key lookup per office rather than a scan of the feed.
 */
export async function lastChangeTimes(db: Kysely<DB>, officeIds: readonly string[] | null): Promise<Map<string, Date>> {
  if (officeIds !== null && officeIds.length === 0) return new Map();
  let query = db
    .selectFrom('office_status as s')
    .innerJoin('status_changes as c', 'c.seq', 's.last_change_seq')
    .select(['s.office_id', 'c.recorded_at']);
  if (officeIds !== null) query = query.where('s.office_id', 'in', officeIds);
  const rows = await query.execute();
  return new Map(rows.map((r) => [r.office_id, r.recorded_at]));
}
