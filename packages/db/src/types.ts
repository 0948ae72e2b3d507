// The database's tables, by area (tables/), and DB, the schema Kysely is typed with.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type {
  FanoutAccountsTable,
  FanoutAnnouncedTable,
  FanoutBatchOfficesTable,
  FanoutBatchesTable,
  FanoutControlTable,
  FanoutOutboxTable,
  FanoutPostsTable,
  FanoutSendsTable,
} from './tables/fanout.js';
import type {
  MentionCursorsTable,
  MentionIngestTable,
  MentionOfficeStatsTable,
  MentionOptOutsTable,
  MentionStatsTable,
  MentionsTable,
} from './tables/mentions.js';
import type {
  AccountsTable,
  DistrictsTable,
  OfficeAliasesTable,
  OfficeGroupsTable,
  OfficesTable,
} from './tables/registry.js';
import type {
  DisruptionEventOfficesTable,
  DisruptionEventsTable,
  OfficeStatusTable,
  StatusChangesTable,
  StatusNoticeOfficesTable,
  StatusNoticesTable,
} from './tables/status.js';
import type {
  ApiTokensTable,
  AuditLogTable,
  CacheListenersTable,
  IdempotencyKeysTable,
  JobSlotsTable,
  SchemaMigrationsTable,
  XBindingTable,
} from './tables/system.js';

export type * from './tables/columns.js';
export type * from './tables/registry.js';
export type * from './tables/status.js';
export type * from './tables/fanout.js';
export type * from './tables/mentions.js';
export type * from './tables/system.js';

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
  accounts: AccountsTable;
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
export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type AccountRowUpdate = Updateable<AccountsTable>;
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
