import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz with a database default. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** date: kept as the 'YYYY-MM-DD' text (parsers are set so), never shifted by a time zone. */
export type DateOnly = string;
export type Json = ColumnType<unknown, string, string>;

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
}

export interface OfficeGroupsTable {
  code: string;
  name: string;
  start_date: DateOnly | null;
  end_date: DateOnly | null;
}

export interface DistrictsTable {
  code: string;
  name: string;
  group_code: string;
  start_date: DateOnly | null;
  end_date: DateOnly | null;
}

export interface ClustersTable {
  id: string;
  name: string;
  handle: string;
  is_placeholder: Generated<boolean>;
  x_user_id: string | null;
  languages: ColumnType<string[], string[] | undefined, string[]>;
  posting_window_start: Generated<string>;
  posting_window_end: Generated<string>;
  live_hours: ColumnType<unknown, string | undefined, string>;
  include_links: Generated<boolean>;
  paused: Generated<boolean>;
  credentials_encrypted: Buffer | Uint8Array | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  link: string | null;
  allow_urgent: Generated<boolean>;
  coalesce_seconds: number | null;
  paused_reason: string | null;
  paused_at: Timestamp | null;
  auto_replies: Generated<boolean>;
  signpost_replies: Generated<boolean>;
}

export interface OfficesTable {
  id: string;
  office_code: string;
  name: string;
  address: string;
  postcode: string;
  district_code: string;
  cluster_id: string;
  regular_hours: ColumnType<unknown, string | undefined, string>;
  closed_permanently_on: DateOnly | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface OfficeAliasesTable {
  office_id: string;
  alias: string;
  language: 'en' | 'cy';
}

export interface AuditLogTable {
  id: Generated<string>;
  occurred_at: CreatedAt;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: ColumnType<unknown, string | null, never>;
  after: ColumnType<unknown, string | null, never>;
}

export interface DisruptionEventsTable {
  id: string;
  name: string;
  description: string | null;
  started_at: CreatedAt;
  ended_at: Timestamp | null;
  created_by: string;
  created_at: CreatedAt;
  /** Who may add offices, tie notices and end it (besides admins): these districts' and clusters' managers. */
  owner_district_codes: ColumnType<string[], string[] | undefined, string[]>;
  owner_cluster_ids: ColumnType<string[], string[] | undefined, string[]>;
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

export type Role = 'reader' | 'manager' | 'admin';

export interface ApiTokensTable {
  id: string;
  name: string;
  role: Role;
  token_hash: string;
  district_codes: ColumnType<string[], string[] | undefined, string[]>;
  cluster_ids: ColumnType<string[], string[] | undefined, string[]>;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
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

export interface IdempotencyKeysTable {
  token_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: ColumnType<unknown, string | null | undefined, string | null>;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  created_at: CreatedAt;
}

export interface JobSlotsTable {
  job: string;
  slot: Timestamp;
  claimed_by: string;
  claimed_at: CreatedAt;
  finished_at: Timestamp | null;
  outcome: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface CacheListenersTable {
  instance_id: string;
  seen_seq: string;
  heartbeat_at: CreatedAt;
}

export interface FanoutBatchesTable {
  id: string;
  cluster_id: string;
  composed_at: Timestamp;
  offices: string[];
  urgent: Generated<boolean>;
}

export interface FanoutOutboxTable {
  change_seq: string;
  cluster_id: string;
  office_id: string;
  urgent: Generated<boolean>;
  created_at: CreatedAt;
  batch_id: string | null;
}

export type PostState = 'queued' | 'delivered' | 'failed' | 'superseded';
export type PostOutcome = 'posted' | 'already-posted';

export type PostKind = 'status' | 'reply';

export interface FanoutPostsTable {
  id: Generated<string>;
  /** Null for a reply (kind 'reply'). */
  batch_id: string | null;
  kind: Generated<PostKind>;
  in_reply_to_x_id: string | null;
  cluster_id: string;
  language: 'en' | 'cy';
  part: number;
  parts: number;
  reply_to_post_id: string | null;
  text: string;
  state: Generated<PostState>;
  attempts: Generated<number>;
  outcomes: Generated<number>;
  maybe_on_x: Generated<boolean>;
  first_attempt_at: Timestamp | null;
  not_before: CreatedAt;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  x_post_id: string | null;
  outcome: PostOutcome | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Timestamp | null;
  delivered_by: string | null;
}

export interface FanoutBatchOfficesTable {
  batch_id: string;
  office_id: string;
  change_seq: string;
}

export interface FanoutSendsTable {
  cluster_id: string;
  sent_at: Timestamp;
  post_id: string | null;
  /** A status post or a reply: replies may use only their share of the app's budget. */
  kind: Generated<'status' | 'reply'>;
}

export interface FanoutAnnouncedTable {
  office_id: string;
  change_seq: string;
  batch_id: string;
}

export interface FanoutAccountsTable {
  cluster_id: string;
  blocked_until: Timestamp | null;
  last_attempt_at: Timestamp | null;
  last_success_at: Timestamp | null;
  last_failure_at: Timestamp | null;
  last_error: string | null;
  consecutive_failures: Generated<number>;
}

export interface FanoutControlTable {
  id: Generated<boolean>;
  paused: Generated<boolean>;
  paused_reason: string | null;
  paused_at: Timestamp | null;
  app_blocked_until: Timestamp | null;
}

export type MentionDecision = 'reply' | 'signpost' | 'inbox' | 'opted-out' | 'ignored';
export type InboxState = 'open' | 'handled';

export interface MentionsTable {
  x_post_id: string;
  cluster_id: string;
  author_id: string;
  author_username: string | null;
  text: string;
  redacted: ColumnType<string[], string[] | undefined, string[]>;
  posted_at: Timestamp;
  received_at: CreatedAt;
  source: 'poll' | 'webhook';
  in_reply_to_x_id: string | null;
  conversation_id: string | null;
  intent: 'status' | 'other';
  language: 'en' | 'cy';
  asked_when: string | null;
  offices: ColumnType<string[], string[] | undefined, string[]>;
  stop: Generated<boolean>;
  decision: MentionDecision;
  reason: string;
  reply_post_id: string | null;
  inbox_state: InboxState | null;
  handled_at: Timestamp | null;
  handled_by: string | null;
  handled_note: string | null;
  /** How the audit log names the mention (not its X post id, which leads to its author). */
  ref: Generated<string>;
}

export interface MentionOptOutsTable {
  /** Rows from before hashing only, until the scheduler hashes them. */
  author_id: string | null;
  /** HMAC-SHA256 of the author's X id under OPT_OUT_HASH_KEY, hex. */
  author_hash: string | null;
  opted_out_at: Timestamp;
}

/** Pruned mentions, counted per London day and outcome. */
export interface MentionStatsTable {
  day: ColumnType<string, string, string>;
  cluster_id: string;
  source: 'poll' | 'webhook';
  intent: 'status' | 'other';
  language: 'en' | 'cy';
  decision: MentionDecision;
  reason: string;
  reply_state: 'none' | 'delivered' | 'failed' | 'superseded';
  mentions: number;
}

export interface MentionOfficeStatsTable {
  day: ColumnType<string, string, string>;
  office_id: string;
  mentions: number;
}

export interface MentionCursorsTable {
  cluster_id: string;
  since_id: string;
  updated_at: Timestamp;
}

export interface MentionIngestTable {
  id: Generated<boolean>;
  holder: string | null;
  held_since: Timestamp | null;
  last_poll_at: Timestamp | null;
  last_success_at: Timestamp | null;
  next_poll_at: Timestamp | null;
  blocked_until: Timestamp | null;
  interval_seconds: number | null;
  last_error: string | null;
  consecutive_failures: Generated<number>;
}

export interface XBindingTable {
  singleton: Generated<boolean>;
  kind: 'emulator' | 'x';
  base_url: string | null;
  bound_at: CreatedAt;
  bound_by: string;
}

export interface DB {
  x_binding: XBindingTable;
  mentions: MentionsTable;
  mention_opt_outs: MentionOptOutsTable;
  mention_stats: MentionStatsTable;
  mention_office_stats: MentionOfficeStatsTable;
  mention_cursors: MentionCursorsTable;
  mention_ingest: MentionIngestTable;
  fanout_batches: FanoutBatchesTable;
  fanout_batch_offices: FanoutBatchOfficesTable;
  fanout_outbox: FanoutOutboxTable;
  fanout_posts: FanoutPostsTable;
  fanout_sends: FanoutSendsTable;
  fanout_announced: FanoutAnnouncedTable;
  fanout_accounts: FanoutAccountsTable;
  fanout_control: FanoutControlTable;
  api_tokens: ApiTokensTable;
  cache_listeners: CacheListenersTable;
  office_status: OfficeStatusTable;
  status_changes: StatusChangesTable;
  idempotency_keys: IdempotencyKeysTable;
  job_slots: JobSlotsTable;
  schema_migrations: SchemaMigrationsTable;
  office_groups: OfficeGroupsTable;
  districts: DistrictsTable;
  clusters: ClustersTable;
  offices: OfficesTable;
  office_aliases: OfficeAliasesTable;
  audit_log: AuditLogTable;
  disruption_events: DisruptionEventsTable;
  disruption_event_offices: DisruptionEventOfficesTable;
  status_notices: StatusNoticesTable;
  status_notice_offices: StatusNoticeOfficesTable;
}

export type ApiToken = Selectable<ApiTokensTable>;
export type Office = Selectable<OfficesTable>;
export type NewOffice = Insertable<OfficesTable>;
export type OfficeUpdate = Updateable<OfficesTable>;
export type Cluster = Selectable<ClustersTable>;
export type NewCluster = Insertable<ClustersTable>;
export type ClusterUpdate = Updateable<ClustersTable>;
export type District = Selectable<DistrictsTable>;
export type OfficeGroup = Selectable<OfficeGroupsTable>;
export type OfficeAlias = Selectable<OfficeAliasesTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;
export type DisruptionEvent = Selectable<DisruptionEventsTable>;
export type StatusNotice = Selectable<StatusNoticesTable>;
export type NewStatusNotice = Insertable<StatusNoticesTable>;
export type StatusChange = Selectable<StatusChangesTable>;
export type OfficeStatusRow = Selectable<OfficeStatusTable>;
export type FanoutPost = Selectable<FanoutPostsTable>;
export type FanoutBatch = Selectable<FanoutBatchesTable>;
