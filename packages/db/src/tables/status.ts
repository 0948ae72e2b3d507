// Office status: disruption events, notices, the status each office shows and its history.
import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './columns.js';

export interface DisruptionEventsTable {
  id: string;
  name: string;
  description: string | null;
  started_at: CreatedAt;
  ended_at: Timestamp | null;
  created_by: string;
  created_at: CreatedAt;
  /** Who may add offices, tie notices and end it (besides admins): these districts' and accounts' managers. */
  owner_district_codes: ColumnType<string[], string[] | undefined, string[]>;
  owner_account_ids: ColumnType<string[], string[] | undefined, string[]>;
}

export interface DisruptionEventOfficesTable {
  event_id: string;
  office_id: string;
  added_at: CreatedAt;
}

export type NoticeStatus = 'open' | 'closed' | 'delayed';
export type NoticeCause =
  | 'weather'
  | 'flooding'
  | 'power_failure'
  | 'heating_failure'
  | 'building'
  | 'staffing'
  | 'security'
  | 'industrial_action'
  | 'other';

export interface StatusNoticesTable {
  id: string;
  seq: Generated<string>;
  kind: ColumnType<
    'notice' | 'correction' | 'cancellation',
    'notice' | 'correction' | 'cancellation' | undefined,
    never
  >;
  replaces_id: string | null;
  status: NoticeStatus;
  cause: NoticeCause | null;
  message: string | null;
  active_from: Timestamp;
  active_until: Timestamp | null;
  expected_reopen_at: Timestamp | null;
  reopen_certainty: ColumnType<
    'confirmed' | 'expected' | 'unknown',
    'confirmed' | 'expected' | 'unknown' | undefined,
    never
  >;
  author: string;
  event_id: string | null;
  created_at: CreatedAt;
  urgent: Generated<boolean>;
}

export interface StatusNoticeOfficesTable {
  notice_id: string;
  office_id: string;
}

/** The columns of a status as readers see it (office_status and status_changes share them). */
export interface StatusSnapshotColumns {
  status: NoticeStatus;
  stale: boolean;
  notice_id: string | null;
  cause: NoticeCause | null;
  message: string | null;
  since: Timestamp | null;
  until: Timestamp | null;
  expected_reopen_at: Timestamp | null;
  reopen_certainty: 'confirmed' | 'expected' | 'unknown';
  event_id: string | null;
}

export interface OfficeStatusTable extends StatusSnapshotColumns {
  office_id: string;
  next_transition_at: Timestamp | null;
  last_change_seq: string | null;
  updated_at: CreatedAt;
}

export type ChangeReason = 'notice' | 'correction' | 'cancellation' | 'scheduled' | 'expired' | 'stale';

export interface StatusChangesTable extends StatusSnapshotColumns {
  seq: Generated<string>;
  office_id: string;
  effective_at: Timestamp;
  recorded_at: CreatedAt;
  reason: ChangeReason;
  actor: string;
  previous_status: NoticeStatus;
}
