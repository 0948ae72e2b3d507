// Mentions received (polled or delivered by X's webhook): the one way in. Each is stored
// once (keyed by X post id), classified, redacted before it is stored, decided, and answered
// through the fan-out's queue (a reply is a fanout_posts row of kind 'reply'), all in one
// transaction per page of mentions. The repositories only read and write.
import {
  dbNow,
  deleteReplies,
  insertMentions,
  insertReplies,
  KEYED_LOCKS,
  mentionHistory,
  notifyFanout,
  optOutHash,
  recordOptOuts,
  storedMentionIds,
  takeKeyedLocks,
  type DB,
  type MentionDecision,
} from '@jcp/db';
import {
  decideMention,
  DEFAULT_MENTION_POLICY,
  type IncomingMention,
  type MentionPolicy,
  type OfficeIndex,
} from '@jcp/domain';
import type { Kysely } from 'kysely';
import { distinctOldestFirst, readMentions } from './read.js';
import { composeReplies, type Planned } from './replies.js';

export interface IngestOptions {
  source: 'poll' | 'webhook';
  offices: OfficeIndex;
  policy?: MentionPolicy;
  /** The per-user throttle's window (default an hour). */
  throttleWindowMs?: number;
  /** OPT_OUT_HASH_KEY: opt-outs are kept as keyed hashes of their authors (see optOutHash). */
  optOutKey: Buffer;
}

export interface IngestedMention {
  id: string;
  decision: MentionDecision;
  reason: string;
  replyPostId: string | null;
}

export interface IngestResult {
  /** Mentions not seen before, now stored. */
  stored: IngestedMention[];
  /** Mentions already stored (a re-read overlap, or the webhook and the poll both). */
  duplicates: number;
}

export interface ReceiveDeps {
  db: Kysely<DB>;
}

const DEFAULT_THROTTLE_WINDOW_MS = 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/**
 * Stores, classifies and answers mentions not seen before. One transaction: a mention
 * is stored if and only if its reply (if any) is queued, so a crash anywhere loses
 * nothing (the mention is read again) and duplicates nothing (it is stored once).
 * Mentions of one author are serialised (an advisory lock per author), so the webhook
 * and the poll, or two pages, never both pass the throttle for the same person.
 */
export async function receiveMentions(
  deps: ReceiveDeps,
  incoming: readonly IncomingMention[],
  options: IngestOptions,
): Promise<IngestResult> {
  const { db } = deps;
  if (incoming.length === 0) return { stored: [], duplicates: 0 };
  const policy = options.policy ?? DEFAULT_MENTION_POLICY;
  const throttleWindowMs = options.throttleWindowMs ?? DEFAULT_THROTTLE_WINDOW_MS;
  const all = distinctOldestFirst(incoming);
  // A re-read (the overlap, the webhook after the poll) is mostly mentions already stored:
  // skip those without a write transaction or locks (checked again inside, under the locks).
  const known = await storedMentionIds(
    db,
    all.map((m) => m.id),
  );
  const unique = all.filter((m) => !known.has(m.id));
  if (unique.length === 0) return { stored: [], duplicates: all.length };
  const read = await readMentions(unique, options.offices);
  return db.transaction().execute(async (trx) => {
    const authors = [...new Set(unique.map((m) => m.authorId))].sort();
    await takeKeyedLocks(trx, KEYED_LOCKS.mentionAuthor, authors);
    const now = await dbNow(trx);
    const seen = await storedMentionIds(
      trx,
      unique.map((m) => m.id),
    );
    const fresh = unique.filter((m) => !seen.has(m.id));
    if (fresh.length === 0) return { stored: [], duplicates: all.length };

    const hashOf = new Map(authors.map((a) => [a, optOutHash(options.optOutKey, a)]));
    const history = await mentionHistory(trx, {
      accountIds: [...new Set(fresh.map((m) => m.accountId))],
      authors,
      authorHashes: hashOf,
      conversations: [...new Set(fresh.map((m) => m.conversationId).filter((c): c is string => c !== null))],
      repliedSince: new Date(now.getTime() - throttleWindowMs),
      signpostedSince: new Date(now.getTime() - DAY_MS),
    });
    const { optedOut, repliesTo } = history;
    const signpostedToday = history.signposted;
    const conversationKey = (conversation: string | null, author: string) => `${conversation ?? ''}\u0000${author}`;
    const inConv = new Map(history.inConversation.map((r) => [conversationKey(r.conversationId, r.authorId), r.n]));

    const planned: Planned[] = [];
    for (const mention of fresh) {
      const account = history.accounts.get(mention.accountId);
      if (!account) throw new Error(`mention ${mention.id} is addressed to unknown account ${mention.accountId}`);
      const { text, redacted, understanding } = read.get(mention.id)!;
      const key = conversationKey(mention.conversationId, mention.authorId);
      const decision = decideMention(
        {
          understanding,
          fromOwnAccount: history.ownUserIds.has(mention.authorId),
          isRepost: mention.isRepost,
          invalidUsername: mention.authorUsernameInvalid === true,
          ageSeconds: Math.max(0, (now.getTime() - mention.postedAt.getTime()) / 1000),
          optedOut: optedOut.has(mention.authorId),
          autoReplies: account.autoReplies,
          signpostReplies: account.signpostReplies,
          recentRepliesToAuthor: repliesTo.get(mention.authorId) ?? 0,
          repliesInConversation: mention.conversationId ? (inConv.get(key) ?? 0) : 0,
          signpostedToday: signpostedToday.has(mention.authorId),
        },
        policy,
      );
      // Later mentions in this page see this one's effect.
      if (decision.action === 'reply' || decision.action === 'signpost') {
        repliesTo.set(mention.authorId, (repliesTo.get(mention.authorId) ?? 0) + 1);
        if (mention.conversationId) inConv.set(key, (inConv.get(key) ?? 0) + 1);
      }
      if (decision.action === 'signpost') signpostedToday.add(mention.authorId);
      if (decision.action === 'opted-out') optedOut.add(mention.authorId);
      planned.push({ mention, text, redacted, understanding, decision });
    }

    const replies = await composeReplies(trx, planned, history.accounts, now);
    // The replies first, so that each mention is stored with its reply's id (a mention
    // updated after its insert would write every index of the table twice).
    const replyPostBy = await insertReplies(trx, replies, now);
    const insertedIds = await insertMentions(
      trx,
      planned.map((p) => ({
        id: p.mention.id,
        accountId: p.mention.accountId,
        authorId: p.mention.authorId,
        authorUsername: p.mention.authorUsername,
        text: p.text,
        redacted: p.redacted,
        postedAt: p.mention.postedAt,
        source: options.source,
        inReplyToXId: p.mention.inReplyToXId,
        conversationId: p.mention.conversationId,
        intent: p.understanding.intent,
        language: p.understanding.language,
        askedWhen: p.understanding.when,
        offices: p.understanding.offices,
        stop: p.understanding.stop,
        decision: p.decision.action,
        reason: p.decision.reason,
        inbox: p.decision.inbox,
        replyPostId: replyPostBy.get(p.mention.id) ?? null,
      })),
      now,
    );
    // A mention already stored (checked above under its author's lock, so only a writer that
    // skipped the lock could do this) keeps its own reply: the one queued here goes.
    const orphans = [...replyPostBy].filter(([mentionId]) => !insertedIds.has(mentionId));
    await deleteReplies(
      trx,
      orphans.map(([, postId]) => postId),
    );
    for (const [mentionId] of orphans) replyPostBy.delete(mentionId);
    if (replyPostBy.size > 0) await notifyFanout(trx);
    // Replies to those who said stop, not yet sent, are not sent; a person sees the questions.
    await recordOptOuts(
      trx,
      now,
      planned
        .filter((p) => p.decision.action === 'opted-out' && insertedIds.has(p.mention.id))
        .map((p) => ({ authorId: p.mention.authorId, authorHash: hashOf.get(p.mention.authorId)! })),
    );
    const stored = planned
      .filter((p) => insertedIds.has(p.mention.id))
      .map((p) => ({
        id: p.mention.id,
        decision: p.decision.action,
        reason: p.decision.reason,
        replyPostId: replyPostBy.get(p.mention.id) ?? null,
      }));
    return { stored, duplicates: all.length - stored.length };
  });
}
