import { REGULAR_ANNOUNCEMENT, type Announcement, type EffectiveStatus, type OfficeChange } from '@jcp/domain';
import type { Selectable } from 'kysely';
import type { NoticeCause, NoticeStatus, StatusSnapshotColumns } from '../types.js';

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

/**
 * The columns of a stored state that a post announces: a row of `status_changes` or
 * `office_status` (all null when an office has no stored state: it keeps its regular hours).
 */
export interface AnnouncedColumns {
  status: NoticeStatus | null;
  stale: boolean | null;
  cause: NoticeCause | null;
  expected_reopen_at: Date | null;
  reopen_certainty: 'confirmed' | 'expected' | 'unknown' | null;
  until: Date | null;
}

/** What a post says of a stored state (a missing state is the regular one). */
export function toAnnouncement(row: AnnouncedColumns): Announcement {
  return {
    status: row.status ?? REGULAR_ANNOUNCEMENT.status,
    cause: row.cause ?? null,
    stale: row.stale ?? false,
    expectedReopenAt: row.expected_reopen_at ?? null,
    reopenCertainty: row.reopen_certainty ?? REGULAR_ANNOUNCEMENT.reopenCertainty,
    until: row.until ?? null,
  };
}

/**
 * The one mapping from an office's stored state to the change a post or a reply tells:
 * used by the fan-out (an office's newest change) and by replies to mentions (its
 * current state).
 */
export function toOfficeChange(
  office: { name: string; welshName: string | null },
  row: AnnouncedColumns,
): OfficeChange {
  return { officeName: office.name, welshName: office.welshName, ...toAnnouncement(row) };
}
