// Fan-out: batches of changes, the outbox, posts to X and what has been sent and announced.
import type { Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './columns.js';

export interface FanoutBatchesTable {
  id: string;
  account_id: string;
  composed_at: Timestamp;
  offices: string[];
  urgent: Generated<boolean>;
}

export interface FanoutOutboxTable {
  change_seq: string;
  account_id: string;
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
  account_id: string;
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
  account_id: string;
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
  account_id: string;
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
