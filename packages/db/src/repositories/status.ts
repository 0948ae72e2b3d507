import {
  effectiveStatus,
  nextTransition,
  REGULAR_OPEN,
  sameStatus,
  type EffectiveStatus,
  type Notice,
} from '@jcp/domain';
import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  ChangeReason,
  DB,
  OfficeStatusRow,
  OfficeStatusTable,
  StatusChange,
  StatusChangesTable,
  StatusSnapshotColumns,
} from '../types.js';
import { noticesByOffice } from './notices.js';
import { enqueueForFanout } from './outbox.js';
import { takeLock } from '../locks.js';

/** NOTIFY channel: a JSON payload `{ seq, offices }` (offices null: all) after each commit that changes statuses. */
export const STATUS_CHANNEL = 'jcp_status_changed';

/** PostgreSQL refuses NOTIFY payloads from 8000 bytes; a longer office list becomes "all". */
const MAX_NOTIFY_BYTES = 7_000;

export const SCHEDULER_ACTOR = 'system:scheduler';

/**
 * Every transaction that changes a status takes this lock first and holds it to commit
 * (LOCKS.statusWrites): changes are numbered in commit order.
 */
export async function lockStatusWrites(trx: Transaction<DB>): Promise<void> {
  await takeLock(trx, 'statusWrites');
}

/**
 * The instant a status write happens at, read from the database after the status lock
 * is taken: one clock for every replica (a replica whose clock runs behind would
 * otherwise order its notice before one made earlier elsewhere), and never before the
 * newest notice, so that time never runs backwards for the status rules.
 */
export async function statusClock(trx: Transaction<DB>): Promise<Date> {
  const { rows } = await sql<{
    now: Date;
  }>`select greatest(clock_timestamp(), (select created_at from status_notices order by seq desc limit 1)) as now`.execute(
    trx,
  );
  const now = rows[0]?.now;
  if (!now) throw new Error('the database gave no time');
  return new Date(now);
}

export interface StatusNotification {
  seq: string | null;
  offices: string[] | null;
}

/** A status as stored (dates as Dates). */
type Snapshot = Selectable<StatusSnapshotColumns>;

export function toEffectiveStatus(row: Snapshot): EffectiveStatus {
  return {
    status: row.status,
    stale: row.stale,
    noticeId: row.notice_id,
    cause: row.cause,
    message: row.message,
    since: row.since,
    until: row.until,
    expectedReopenAt: row.expected_reopen_at,
    reopenCertainty: row.reopen_certainty,
    author: null,
    eventId: row.event_id,
  };
}

function snapshotColumns(s: EffectiveStatus): Snapshot {
  return {
    status: s.status,
    stale: s.stale,
    notice_id: s.noticeId,
    cause: s.cause,
    message: s.message,
    since: s.since,
    until: s.until,
    expected_reopen_at: s.expectedReopenAt,
    reopen_certainty: s.reopenCertainty,
    event_id: s.eventId,
  };
}

/** Why time alone moved a status from `before` to `after`. */
function timeReason(before: EffectiveStatus, after: EffectiveStatus): ChangeReason {
  if (after.noticeId !== null && after.noticeId !== before.noticeId) return 'scheduled';
  if (after.noticeId !== null && after.noticeId === before.noticeId && after.stale !== before.stale) return 'stale';
  return 'expired';
}

export interface SettleOptions {
  now: Date;
  /** The write that prompted this (a notice, correction or cancellation); absent for the scheduler. */
  write?: { reason: 'notice' | 'correction' | 'cancellation'; actor: string };
}

export interface SettleResult {
  /** The effective status of each office at `now`. */
  statuses: Map<string, EffectiveStatus>;
  /** The changes recorded, in feed order. */
  changes: StatusChange[];
}

const TRANSITION_GUARD = 200;

/**
 * Brings the materialised status of these offices up to `now` and records every
 * change in the feed: first the transitions that time alone made since the last
 * settlement (each at its own instant, so a scheduled closure that started and ended
 * between two scheduler runs still appears twice), then the change the write made.
 * The caller holds {@link lockStatusWrites} in the same transaction.
 */
export async function settleStatuses(
  trx: Transaction<DB>,
  officeIds: readonly string[],
  options: SettleOptions,
): Promise<SettleResult> {
  const ids = [...new Set(officeIds)];
  const now = options.now;
  const statuses = new Map<string, EffectiveStatus>();
  if (ids.length === 0) return { statuses, changes: [] };
  const notices = await noticesByOffice(trx, ids);
  const storedRows = await trx.selectFrom('office_status').selectAll().where('office_id', 'in', ids).execute();
  const stored = new Map<string, OfficeStatusRow>(storedRows.map((r) => [r.office_id, r]));
  const newChanges: Insertable<StatusChangesTable>[] = [];
  const upserts: Insertable<OfficeStatusTable>[] = [];
  const record = (
    officeId: string,
    at: Date,
    reason: ChangeReason,
    actor: string,
    before: EffectiveStatus,
    after: EffectiveStatus,
  ) =>
    newChanges.push({
      office_id: officeId,
      effective_at: at,
      recorded_at: now,
      reason,
      actor,
      previous_status: before.status,
      ...snapshotColumns(after),
    });

  for (const id of ids) {
    const list = notices.get(id) ?? [];
    const row = stored.get(id);
    let previous = row ? toEffectiveStatus(row) : REGULAR_OPEN;
    const before = previous;
    // Catch up with time, as known before this write: notices made now are the write's own.
    const earlier: Notice[] = list.filter((n) => n.createdAt.getTime() < now.getTime());
    let t = row?.next_transition_at ?? null;
    for (let guard = 0; t && (options.write ? t < now : t <= now) && guard < TRANSITION_GUARD; guard++) {
      const s = effectiveStatus(earlier, t);
      if (!sameStatus(previous, s)) {
        record(id, t, timeReason(previous, s), SCHEDULER_ACTOR, previous, s);
        previous = s;
      }
      t = nextTransition(earlier, t);
    }
    const current = effectiveStatus(list, now);
    if (!sameStatus(previous, current)) {
      if (options.write) record(id, now, options.write.reason, options.write.actor, previous, current);
      else record(id, now, timeReason(previous, current), SCHEDULER_ACTOR, previous, current);
    }
    statuses.set(id, current);
    const next = nextTransition(list, now);
    const moved = !sameStatus(before, current) || previous !== before;
    if (!row || moved || row.next_transition_at?.getTime() !== next?.getTime()) {
      upserts.push({ office_id: id, ...snapshotColumns(current), next_transition_at: next, updated_at: now });
    }
  }

  newChanges.sort(
    (a, b) =>
      (a.effective_at as Date).getTime() - (b.effective_at as Date).getTime() || a.office_id.localeCompare(b.office_id),
  );
  const changes: StatusChange[] = [];
  // Bounded batches keep each statement well under PostgreSQL's 65535 parameters.
  for (let i = 0; i < newChanges.length; i += 2000) {
    changes.push(
      ...(await trx
        .insertInto('status_changes')
        .values(newChanges.slice(i, i + 2000))
        .returningAll()
        .execute()),
    );
  }
  await enqueueForFanout(trx, changes);
  const lastSeq = new Map(changes.map((c) => [c.office_id, c.seq]));
  for (let i = 0; i < upserts.length; i += 2000) {
    const batch = upserts.slice(i, i + 2000).map((u) => ({
      ...u,
      last_change_seq: lastSeq.get(u.office_id) ?? stored.get(u.office_id)?.last_change_seq ?? null,
    }));
    await trx
      .insertInto('office_status')
      .values(batch)
      .onConflict((oc) =>
        oc.column('office_id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          stale: eb.ref('excluded.stale'),
          notice_id: eb.ref('excluded.notice_id'),
          cause: eb.ref('excluded.cause'),
          message: eb.ref('excluded.message'),
          since: eb.ref('excluded.since'),
          until: eb.ref('excluded.until'),
          expected_reopen_at: eb.ref('excluded.expected_reopen_at'),
          reopen_certainty: eb.ref('excluded.reopen_certainty'),
          event_id: eb.ref('excluded.event_id'),
          next_transition_at: eb.ref('excluded.next_transition_at'),
          last_change_seq: eb.ref('excluded.last_change_seq'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  if (upserts.length > 0) {
    const touched = upserts.map((u) => u.office_id);
    const payload: StatusNotification = { seq: changes.at(-1)?.seq ?? null, offices: touched };
    let text = JSON.stringify(payload);
    if (Buffer.byteLength(text) > MAX_NOTIFY_BYTES)
      text = JSON.stringify({ seq: payload.seq, offices: null } satisfies StatusNotification);
    await sql`select pg_notify(${STATUS_CHANNEL}, ${text})`.execute(trx);
  }
  return { statuses, changes };
}

/**
 * Materialises the status of offices that have notices but no `office_status` row:
 * notices written before the change feed existed. Their current status is the feed's
 * baseline (no change is recorded); from then on the scheduler and writes keep them.
 * Idempotent; the service runs it at start.
 */
export async function backfillOfficeStatus(db: Kysely<DB>, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await lockStatusWrites(trx);
    const missing = await trx
      .selectFrom('status_notice_offices as l')
      .select('l.office_id')
      .distinct()
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('office_status as s').select('s.office_id').whereRef('s.office_id', '=', 'l.office_id'),
          ),
        ),
      )
      .execute();
    if (missing.length === 0) return 0;
    const notices = await noticesByOffice(
      trx,
      missing.map((m) => m.office_id),
    );
    const rows: Insertable<OfficeStatusTable>[] = [...notices].map(([officeId, list]) => ({
      office_id: officeId,
      ...snapshotColumns(effectiveStatus(list, now)),
      next_transition_at: nextTransition(list, now),
      last_change_seq: null,
      updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 2000) {
      await trx
        .insertInto('office_status')
        .values(rows.slice(i, i + 2000))
        .onConflict((oc) => oc.column('office_id').doNothing())
        .execute();
    }
    await notifyOfficesChanged(trx);
    return rows.length;
  });
}

/**
 * Tells every instance that office data changed (a register or mapping import): they
 * drop every cached read. Delivered when the caller's transaction commits.
 */
export async function notifyOfficesChanged(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_notify(${STATUS_CHANNEL}, ${JSON.stringify({ seq: null, offices: null } satisfies StatusNotification)})`.execute(
    trx,
  );
}

/**
 * The scheduler's work: settles every office whose next transition is due, so that
 * scheduled notices take effect, ended ones expire and passed reopening times turn
 * stale, each recorded in the feed like a manual change.
 */
export async function settleDueStatuses(db: Kysely<DB>, at?: Date): Promise<SettleResult> {
  return db.transaction().execute(async (trx) => {
    await lockStatusWrites(trx);
    const now = at ?? (await statusClock(trx));
    const due = await trx
      .selectFrom('office_status')
      .select('office_id')
      .where('next_transition_at', '<=', now)
      .execute();
    return settleStatuses(
      trx,
      due.map((d) => d.office_id),
      { now },
    );
  });
}

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
 * Instances that cache reads acknowledge each change they have applied; a writer waits
 * for every live one (heartbeat within {@link LISTENER_TTL_SECONDS}) before answering.
 */
export const LISTENER_TTL_SECONDS = 6;
export const LISTENER_HEARTBEAT_MS = 2_000;

/** Registers an instance that has just started listening with an empty cache: it is up to date. */
export async function registerListener(db: Kysely<DB>, instanceId: string): Promise<void> {
  const seq = await latestChangeSeq(db);
  await db
    .insertInto('cache_listeners')
    .values({ instance_id: instanceId, seen_seq: seq, heartbeat_at: sql<Date>`now()` })
    .onConflict((oc) => oc.column('instance_id').doUpdateSet({ seen_seq: seq, heartbeat_at: sql<Date>`now()` }))
    .execute();
}

export async function acknowledgeChange(db: Kysely<DB>, instanceId: string, seq: string): Promise<void> {
  await db
    .updateTable('cache_listeners')
    .set({ seen_seq: sql<string>`greatest(seen_seq, ${seq}::bigint)`, heartbeat_at: sql<Date>`now()` })
    .where('instance_id', '=', instanceId)
    .execute();
}

export async function heartbeatListener(db: Kysely<DB>, instanceId: string): Promise<void> {
  await db
    .updateTable('cache_listeners')
    .set({ heartbeat_at: sql<Date>`now()` })
    .where('instance_id', '=', instanceId)
    .execute();
}

export async function unregisterListener(db: Kysely<DB>, instanceId: string): Promise<void> {
  await db.deleteFrom('cache_listeners').where('instance_id', '=', instanceId).execute();
}

/** Resolves true once every live caching instance has applied change `seq`, false after `timeoutMs`. */
export async function waitForListeners(db: Kysely<DB>, seq: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 10)) {
    const behind = await db
      .selectFrom('cache_listeners')
      .select('instance_id')
      .where('seen_seq', '<', seq)
      .where('heartbeat_at', '>', sql<Date>`now() - make_interval(secs => ${LISTENER_TTL_SECONDS})`)
      .limit(1)
      .executeTakeFirst();
    if (!behind) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
