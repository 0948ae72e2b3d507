import type { EffectiveStatus } from '@jcp/domain';
import type { Selectable } from 'kysely';
import type { StatusSnapshotColumns } from '../types.js';

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

export function snapshotColumns(s: EffectiveStatus): Snapshot {
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
