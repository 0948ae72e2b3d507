// What receiving a page of mentions reads and writes: the facts a decision needs, the texts an
// account already has, and the mentions, their replies and the opt-outs stored. No policy:
// receiveMentions (@jcp/use-cases) decides, composes and says what to store.
import type { LiveHours } from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, MentionDecision } from '../types.js';
import { FANOUT_CHANNEL } from './outbox.js';
import { parseLiveHours, withdrawReplies } from './mentions.js';

/** Which of these X post ids are stored already. */
export async function storedMentionIds(db: Kysely<DB> | Transaction<DB>, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('mentions')
    .select('x_post_id')
    .where('x_post_id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.x_post_id));
}

export interface MentionAccountSettings {
  autoReplies: boolean;
  signpostReplies: boolean;
  liveHours: LiveHours;
}

export interface MentionHistoryQuery {
  accountIds: readonly string[];
  authors: readonly string[];
  /** Each author's opt-out hash (optOutHash). */
  authorHashes: ReadonlyMap<string, string>;
  conversations: readonly string[];
  /** Replies and signposts counted from here (the throttle's window). */
  repliedSince: Date;
  /** Signposts looked for from here. */
  signpostedSince: Date;
}

export interface MentionHistory {
  accounts: Map<string, MentionAccountSettings>;
  /** The X user ids of our own accounts. */
  ownUserIds: Set<string>;
  /** Authors who said stop (by hash; or by id, from before hashing, not yet hashed by the scheduler). */
  optedOut: Set<string>;
  /** Replies and signposts to each author since `repliedSince`. */
  repliesTo: Map<string, number>;
  /** Authors signposted since `signpostedSince`. */
  signposted: Set<string>;
  /** Replies and signposts per conversation and author. */
  inConversation: { conversationId: string | null; authorId: string; n: number }[];
}

/** What deciding a page of mentions needs to know of the accounts and the authors, read in one round trip. */
export async function mentionHistory(trx: Transaction<DB>, q: MentionHistoryQuery): Promise<MentionHistory> {
  const authors = [...q.authors];
  const [accounts, ownIds, optOuts, recent, signposted, inConversation] = await Promise.all([
    trx
      .selectFrom('accounts')
      .select(['id', 'auto_replies', 'signpost_replies', 'live_hours'])
      .where('id', 'in', [...q.accountIds])
      .execute(),
    trx.selectFrom('accounts').select('x_user_id').where('x_user_id', 'is not', null).execute(),
    trx
      .selectFrom('mention_opt_outs')
      .select(['author_id', 'author_hash'])
      .where((eb) => eb.or([eb('author_hash', 'in', [...q.authorHashes.values()]), eb('author_id', 'in', authors)]))
      .execute(),
    trx
      .selectFrom('mentions')
      .select(['author_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('author_id', 'in', authors)
      .where('decision', 'in', ['reply', 'signpost'])
      .where('received_at', '>', q.repliedSince)
      .groupBy('author_id')
      .execute(),
    trx
      .selectFrom('mentions')
      .select('author_id')
      .distinct()
      .where('author_id', 'in', authors)
      .where('decision', '=', 'signpost')
      .where('received_at', '>', q.signpostedSince)
      .execute(),
    q.conversations.length === 0
      ? Promise.resolve([])
      : trx
          .selectFrom('mentions')
          .select(['conversation_id', 'author_id', (eb) => eb.fn.countAll<string>().as('n')])
          .where('conversation_id', 'in', [...q.conversations])
          .where('decision', 'in', ['reply', 'signpost'])
          .groupBy(['conversation_id', 'author_id'])
          .execute(),
  ]);
  return {
    accounts: new Map(
      accounts.map((c) => [
        c.id,
        { autoReplies: c.auto_replies, signpostReplies: c.signpost_replies, liveHours: parseLiveHours(c.live_hours) },
      ]),
    ),
    ownUserIds: new Set(ownIds.map((r) => r.x_user_id).filter((id): id is string => id !== null)),
    optedOut: new Set(
      authors.filter((a) => optOuts.some((r) => r.author_hash === q.authorHashes.get(a) || r.author_id === a)),
    ),
    repliesTo: new Map(recent.map((r) => [r.author_id, Number(r.n)])),
    signposted: new Set(signposted.map((r) => r.author_id)),
    inConversation: inConversation.map((r) => ({
      conversationId: r.conversation_id,
      authorId: r.author_id,
      n: Number(r.n),
    })),
  };
}

/** The texts among `texts` the accounts already have (queued or delivered), as `${accountId}\u0000${text}`. */
export async function usedPostTexts(
  trx: Transaction<DB>,
  accountIds: readonly string[],
  texts: readonly string[],
): Promise<Set<string>> {
  if (accountIds.length === 0 || texts.length === 0) return new Set();
  const rows = await trx
    .selectFrom('fanout_posts')
    .select(['account_id', 'text'])
    .where('account_id', 'in', [...accountIds])
    .where('state', 'in', ['queued', 'delivered'])
    .where('text', 'in', [...texts])
    .execute();
  return new Set(rows.map((r) => `${r.account_id}\u0000${r.text}`));
}

export interface NewReply {
  accountId: string;
  language: 'en' | 'cy';
  text: string;
  /** The mention it answers. */
  inReplyToXId: string;
}

/** Queues replies (fanout_posts of kind 'reply'); returns each one's post id by the mention it answers. */
export async function insertReplies(trx: Transaction<DB>, replies: readonly NewReply[], now: Date) {
  const byMention = new Map<string, string>();
  if (replies.length === 0) return byMention;
  const posts = await trx
    .insertInto('fanout_posts')
    .values(
      replies.map((r) => ({
        kind: 'reply' as const,
        batch_id: null,
        account_id: r.accountId,
        language: r.language,
        part: 1,
        parts: 1,
        text: r.text,
        in_reply_to_x_id: r.inReplyToXId,
        not_before: now,
        created_at: now,
      })),
    )
    .returning(['id', 'in_reply_to_x_id'])
    .execute();
  for (const p of posts) byMention.set(p.in_reply_to_x_id!, p.id);
  return byMention;
}

export interface NewMention {
  id: string;
  accountId: string;
  authorId: string;
  authorUsername: string | null;
  /** Redacted. */
  text: string;
  redacted: string[];
  postedAt: Date;
  source: 'poll' | 'webhook';
  inReplyToXId: string | null;
  conversationId: string | null;
  intent: 'status' | 'other';
  language: 'en' | 'cy';
  askedWhen: string | null;
  offices: string[];
  stop: boolean;
  decision: MentionDecision;
  reason: string;
  inbox: boolean;
  replyPostId: string | null;
}

/** Stores mentions not stored yet (one already stored is left as it is); returns the ids stored now. */
export async function insertMentions(
  trx: Transaction<DB>,
  mentions: readonly NewMention[],
  receivedAt: Date,
): Promise<Set<string>> {
  if (mentions.length === 0) return new Set();
  const inserted = await trx
    .insertInto('mentions')
    .values(
      mentions.map((m) => ({
        x_post_id: m.id,
        account_id: m.accountId,
        author_id: m.authorId,
        author_username: m.authorUsername,
        text: m.text,
        redacted: m.redacted,
        posted_at: m.postedAt,
        received_at: receivedAt,
        source: m.source,
        in_reply_to_x_id: m.inReplyToXId,
        conversation_id: m.conversationId,
        intent: m.intent,
        language: m.language,
        asked_when: m.askedWhen,
        offices: m.offices,
        stop: m.stop,
        decision: m.decision,
        reason: m.reason,
        inbox_state: m.inbox ? ('open' as const) : null,
        reply_post_id: m.replyPostId,
      })),
    )
    .onConflict((oc) => oc.column('x_post_id').doNothing())
    .returning('x_post_id')
    .execute();
  return new Set(inserted.map((r) => r.x_post_id));
}

/** Deletes queued replies (never sent). */
export async function deleteReplies(trx: Transaction<DB>, postIds: readonly string[]): Promise<void> {
  if (postIds.length === 0) return;
  await trx
    .deleteFrom('fanout_posts')
    .where('id', 'in', [...postIds])
    .execute();
}

/** Wakes the dispatchers (after the transaction commits). */
export async function notifyFanout(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_notify(${FANOUT_CHANNEL}, '')`.execute(trx);
}

/**
 * Records the authors' opt-outs (by hash), and withdraws the replies to them not yet sent
 * (their questions go to a person, reason 'opted-out').
 */
export async function recordOptOuts(
  trx: Transaction<DB>,
  now: Date,
  optOuts: readonly { authorId: string; authorHash: string }[],
): Promise<void> {
  if (optOuts.length === 0) return;
  await trx
    .insertInto('mention_opt_outs')
    .values([...new Set(optOuts.map((o) => o.authorHash))].map((hash) => ({ author_hash: hash, opted_out_at: now })))
    .onConflict((oc) => oc.column('author_hash').doNothing())
    .execute();
  const quitters = [...new Set(optOuts.map((o) => o.authorId))];
  await withdrawReplies(
    trx,
    now,
    sql<boolean>`m.author_id = any(${quitters}::text[])`,
    'opted-out',
    'the person asked for no more automatic replies',
  );
}
