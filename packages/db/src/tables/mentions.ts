// Mentions: what X delivered, opt-outs, the pruned counts, cursors and the ingest queue.
import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './columns.js';

export type MentionDecision = 'reply' | 'signpost' | 'inbox' | 'opted-out' | 'ignored';
export type InboxState = 'open' | 'handled';

export interface MentionsTable {
  x_post_id: string;
  account_id: string;
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
  account_id: string;
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
  account_id: string;
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
