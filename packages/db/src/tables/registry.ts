// The office register: groups, districts, accounts (the X accounts and the offices each serves), offices and their aliases.
import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, DateOnly, Timestamp } from './columns.js';

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

export interface AccountsTable {
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
  account_id: string;
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
