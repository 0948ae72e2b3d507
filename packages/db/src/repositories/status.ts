import {
  effectiveStatus,
  nextTransition,
  REGULAR_OPEN,
  sameStatus,
  type EffectiveStatus,
  type Notice,
} from '@jcp/domain';
import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type {
  ChangeReason,
  DB,
  OfficeStatusRow,
  OfficeStatusTable,
  StatusChange,
  StatusChangesTable,
} from '../types.js';
import { noticesByOffice } from './notices.js';
import { snapshotColumns, toEffectiveStatus } from './status-snapshot.js';
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
