// The service's own tables: migrations, audit, API tokens, idempotency, job slots, cache listeners and the X binding.
import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './columns.js';

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
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

export type Role = 'reader' | 'manager' | 'admin';

export interface ApiTokensTable {
  id: string;
  name: string;
  role: Role;
  token_hash: string;
  district_codes: ColumnType<string[], string[] | undefined, string[]>;
  account_ids: ColumnType<string[], string[] | undefined, string[]>;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
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

export interface XBindingTable {
  singleton: Generated<boolean>;
  kind: 'emulator' | 'x';
  base_url: string | null;
  bound_at: CreatedAt;
  bound_by: string;
}
