// Mentions received (polled or delivered by X's webhook): stored once each (keyed by X post
// id), classified, redacted before they are stored, decided, and answered through the
// fan-out's queue (a reply is a fanout_posts row of kind 'reply'), all in one transaction
// per page of mentions.
import { setImmediate as giveWay } from 'node:timers/promises';
import {
  dbNow,
  KEYED_LOCKS,
  FANOUT_CHANNEL,
  officeStates,
  optOutHash,
  parseLiveHours,
  takeKeyedLocks,
  withdrawReplies,
  type DB,
  type MentionDecision,
} from '@jcp/db';
import {
  capMentionText,
  composeSignpostReply,
  composeStatusReply,
  decideMention,
  fitsInPost,
  DEFAULT_MENTION_POLICY,
  isXUsername,
  londonParts,
  redactWithKinds,
  understandMention,
  type IncomingMention,
  type MentionDecisionResult,
  type MentionPolicy,
  type OfficeChange,
  type OfficeIndex,
  type RedactionKind,
  type Understanding,
} from '@jcp/domain';
import { sql, type Kysely } from 'kysely';

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

const DEFAULT_THROTTLE_WINDOW_MS = 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** The mention with its username kept only when it is a valid X username (else null, and flagged). */
function checkedUsername(m: IncomingMention): IncomingMention {
  if (m.authorUsername === null || isXUsername(m.authorUsername)) return m;
  return { ...m, authorUsername: null, authorUsernameInvalid: true };
}

/** Twitter-style ids are 64-bit: compared as numbers, not strings. */
const idLess = (a: string, b: string) => BigInt(a) < BigInt(b);

/** Pure work on a page gives way to other requests and timers this often (a page of long texts is not one long task). */
const GIVE_WAY_MS = 10;

interface Read {
  understanding: Understanding;
  /** The text to store: cut to MENTION_TEXT_MAX and redacted. */
  text: string;
  redacted: RedactionKind[];
}

/**
 * Each mention classified from its text as written (in memory: a postcode or a date finds
 * the office and the day), then redacted for storage. Pure and bounded (the text is cut
 * first, and the classifier and the redactor are linear); done before any lock is taken.
 */
async function readMentions(mentions: readonly IncomingMention[], offices: OfficeIndex): Promise<Map<string, Read>> {
  const read = new Map<string, Read>();
  let since = performance.now();
  for (const mention of mentions) {
    if (performance.now() - since > GIVE_WAY_MS) {
      await giveWay();
      since = performance.now();
    }
    const text = capMentionText(mention.text);
    const understanding = understandMention(text, mention.clusterId, offices);
    read.set(mention.id, { understanding, ...redactWithKinds(text) });
  }
  return read;
}

/**
 * Stores, classifies and answers mentions not seen before. One transaction: a mention
 * is stored if and only if its reply (if any) is queued, so a crash anywhere loses
 * nothing (the mention is read again) and duplicates nothing (it is stored once).
 * Mentions of one author are serialised (an advisory lock per author), so the webhook
 * and the poll, or two pages, never both pass the throttle for the same person.
 */
export async function receiveMentions(
  db: Kysely<DB>,
  incoming: readonly IncomingMention[],
  options: IngestOptions,
): Promise<IngestResult> {
  if (incoming.length === 0) return { stored: [], duplicates: 0 };
  const policy = options.policy ?? DEFAULT_MENTION_POLICY;
  const throttleWindowMs = options.throttleWindowMs ?? DEFAULT_THROTTLE_WINDOW_MS;
  // Oldest first: the throttle counts in the order people wrote.
  // A username is checked again here (the composer checks it a third time): whoever calls,
  // one that breaks X's rule is neither stored nor answered.
  const all = [...new Map(incoming.map((m) => [m.id, checkedUsername(m)])).values()].sort((a, b) =>
    idLess(a.id, b.id) ? -1 : 1,
  );
  // A re-read (the overlap, the webhook after the poll) is mostly mentions already stored:
  // skip those without a write transaction or locks (checked again inside, under the locks).
  const known = new Set(
    (
      await db
        .selectFrom('mentions')
        .select('x_post_id')
        .where(
          'x_post_id',
          'in',
          all.map((m) => m.id),
        )
        .execute()
    ).map((r) => r.x_post_id),
  );
  const unique = all.filter((m) => !known.has(m.id));
  if (unique.length === 0) return { stored: [], duplicates: all.length };
  const read = await readMentions(unique, options.offices);
  return db.transaction().execute(async (trx) => {
    const authors = [...new Set(unique.map((m) => m.authorId))].sort();
    await takeKeyedLocks(trx, KEYED_LOCKS.mentionAuthor, authors);
    const now = await dbNow(trx);
    const seen = new Set(
      (
        await trx
          .selectFrom('mentions')
          .select('x_post_id')
          .where(
            'x_post_id',
            'in',
            unique.map((m) => m.id),
          )
          .execute()
      ).map((r) => r.x_post_id),
    );
    const fresh = unique.filter((m) => !seen.has(m.id));
    if (fresh.length === 0) return { stored: [], duplicates: all.length };

    const clusterIds = [...new Set(fresh.map((m) => m.clusterId))];
    const hashOf = new Map(authors.map((a) => [a, optOutHash(options.optOutKey, a)]));
    const conversations = [...new Set(fresh.map((m) => m.conversationId).filter((c): c is string => c !== null))];
    const [clusters, ownIds, optOuts, recent, signposted, inConversation] = await Promise.all([
      trx
        .selectFrom('clusters')
        .select(['id', 'auto_replies', 'signpost_replies', 'live_hours'])
        .where('id', 'in', clusterIds)
        .execute(),
      trx.selectFrom('clusters').select('x_user_id').where('x_user_id', 'is not', null).execute(),
      // By hash; and by id, for an opt-out from before hashing the scheduler has not hashed yet.
      trx
        .selectFrom('mention_opt_outs')
        .select(['author_id', 'author_hash'])
        .where((eb) => eb.or([eb('author_hash', 'in', [...hashOf.values()]), eb('author_id', 'in', authors)]))
        .execute(),
      trx
        .selectFrom('mentions')
        .select(['author_id', (eb) => eb.fn.countAll<string>().as('n')])
        .where('author_id', 'in', authors)
        .where('decision', 'in', ['reply', 'signpost'])
        .where('received_at', '>', new Date(now.getTime() - throttleWindowMs))
        .groupBy('author_id')
        .execute(),
      trx
        .selectFrom('mentions')
        .select('author_id')
        .distinct()
        .where('author_id', 'in', authors)
        .where('decision', '=', 'signpost')
        .where('received_at', '>', new Date(now.getTime() - DAY_MS))
        .execute(),
      conversations.length === 0
        ? Promise.resolve([])
        : trx
            .selectFrom('mentions')
            .select(['conversation_id', 'author_id', (eb) => eb.fn.countAll<string>().as('n')])
            .where('conversation_id', 'in', conversations)
            .where('decision', 'in', ['reply', 'signpost'])
            .groupBy(['conversation_id', 'author_id'])
            .execute(),
    ]);
    const clusterBy = new Map(clusters.map((c) => [c.id, c]));
    const own = new Set(ownIds.map((r) => r.x_user_id));
    const optedOut = new Set(
      authors.filter((a) => optOuts.some((r) => r.author_hash === hashOf.get(a) || r.author_id === a)),
    );
    const repliesTo = new Map(recent.map((r) => [r.author_id, Number(r.n)]));
    const signpostedToday = new Set(signposted.map((r) => r.author_id));
    const conversationKey = (conversation: string | null, author: string) => `${conversation ?? ''}\u0000${author}`;
    const inConv = new Map(inConversation.map((r) => [conversationKey(r.conversation_id, r.author_id), Number(r.n)]));

    interface Planned extends Read {
      mention: IncomingMention;
      decision: MentionDecisionResult;
    }
    const planned: Planned[] = [];
    for (const mention of fresh) {
      const cluster = clusterBy.get(mention.clusterId);
      if (!cluster) throw new Error(`mention ${mention.id} is addressed to unknown account ${mention.clusterId}`);
      const { text, redacted, understanding } = read.get(mention.id)!;
      const key = conversationKey(mention.conversationId, mention.authorId);
      const decision = decideMention(
        {
          understanding,
          fromOwnAccount: own.has(mention.authorId),
          isRepost: mention.isRepost,
          invalidUsername: mention.authorUsernameInvalid === true,
          ageSeconds: Math.max(0, (now.getTime() - mention.postedAt.getTime()) / 1000),
          optedOut: optedOut.has(mention.authorId),
          autoReplies: cluster.auto_replies,
          signpostReplies: cluster.signpost_replies,
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

    // The state of every office a reply names, or of every office of an account asked in general.
    const replying = planned.filter((p) => p.decision.action === 'reply');
    const namedOffices = [...new Set(replying.flatMap((p) => p.understanding.offices))];
    const summaryClusters = [
      ...new Set(replying.filter((p) => p.understanding.offices.length === 0).map((p) => p.mention.clusterId)),
    ];
    const states = await officeStates(trx, namedOffices, summaryClusters);

    const texts = new Set<string>();
    const replies: { index: number; text: string; language: 'en' | 'cy' }[] = [];
    for (const [index, p] of planned.entries()) {
      if (p.decision.action !== 'reply' && p.decision.action !== 'signpost') continue;
      const cluster = clusterBy.get(p.mention.clusterId)!;
      const liveHours = parseLiveHours(cluster.live_hours);
      const language = p.understanding.language;
      const to = p.mention.authorUsername ?? undefined;
      let text: string;
      if (p.decision.action === 'signpost') {
        text = composeSignpostReply({ language, now, liveHours, ...(to ? { to } : {}) });
      } else {
        const asked = p.understanding.offices
          .map((id) => states.changeFor(id))
          .filter((c): c is OfficeChange => c !== null);
        const summary = p.understanding.offices.length === 0 ? states.summaryFor(p.mention.clusterId) : undefined;
        const later = p.understanding.when !== 'now' && p.understanding.when !== 'today';
        text = composeStatusReply({
          language,
          asked,
          ...(summary ? { cluster: summary } : {}),
          later,
          now,
          liveHours,
          ...(to ? { to } : {}),
        });
      }
      replies.push({ index, text, language });
      texts.add(text);
    }
    // X refuses a text the account already posted: a repeat (the same person asking
    // twice) gets the time, to the second, at its end. The accounts replying are locked
    // (after the authors, in a fixed order), so that two pages never both take a text.
    if (replies.length > 0) {
      await takeKeyedLocks(trx, KEYED_LOCKS.mentionAccount, [
        ...new Set(replies.map((r) => planned[r.index]!.mention.clusterId)),
      ]);
      const used = new Set(
        (
          await trx
            .selectFrom('fanout_posts')
            .select(['cluster_id', 'text'])
            .where('cluster_id', 'in', clusterIds)
            .where('state', 'in', ['queued', 'delivered'])
            .where('text', 'in', [...texts])
            .execute()
        ).map((r) => `${r.cluster_id}\u0000${r.text}`),
      );
      const local = londonParts(now);
      for (const r of replies) {
        const clusterId = planned[r.index]!.mention.clusterId;
        let key = `${clusterId}\u0000${r.text}`;
        const original = r.text;
        for (let n = 0; used.has(key) && n < 50; n++) {
          const suffix = ` (${local.time}:${String(now.getUTCSeconds()).padStart(2, '0')}${n > 0 ? ` #${n + 1}` : ''})`;
          // Whole sentences only, from the end, until the suffix fits too.
          let base = original;
          while (!fitsInPost(base + suffix) && base.lastIndexOf('. ') > 0)
            base = base.slice(0, base.lastIndexOf('. ') + 1);
          r.text = base + suffix;
          key = `${clusterId}\u0000${r.text}`;
        }
        used.add(key);
      }
    }

    // The replies first, so that each mention is stored with its reply's id (a mention
    // updated after its insert would write every index of the table twice).
    const replyPostBy = new Map<string, string>();
    if (replies.length > 0) {
      const posts = await trx
        .insertInto('fanout_posts')
        .values(
          replies.map((r) => ({
            kind: 'reply' as const,
            batch_id: null,
            cluster_id: planned[r.index]!.mention.clusterId,
            language: r.language,
            part: 1,
            parts: 1,
            text: r.text,
            in_reply_to_x_id: planned[r.index]!.mention.id,
            not_before: now,
            created_at: now,
          })),
        )
        .returning(['id', 'in_reply_to_x_id'])
        .execute();
      for (const p of posts) replyPostBy.set(p.in_reply_to_x_id!, p.id);
    }
    const inserted = await trx
      .insertInto('mentions')
      .values(
        planned.map((p) => ({
          x_post_id: p.mention.id,
          cluster_id: p.mention.clusterId,
          author_id: p.mention.authorId,
          author_username: p.mention.authorUsername,
          text: p.text,
          redacted: p.redacted,
          posted_at: p.mention.postedAt,
          received_at: now,
          source: options.source,
          in_reply_to_x_id: p.mention.inReplyToXId,
          conversation_id: p.mention.conversationId,
          intent: p.understanding.intent,
          language: p.understanding.language,
          asked_when: p.understanding.when,
          offices: p.understanding.offices,
          stop: p.understanding.stop,
          decision: p.decision.action,
          reason: p.decision.reason,
          inbox_state: p.decision.inbox ? ('open' as const) : null,
          reply_post_id: replyPostBy.get(p.mention.id) ?? null,
        })),
      )
      .onConflict((oc) => oc.column('x_post_id').doNothing())
      .returning('x_post_id')
      .execute();
    const insertedIds = new Set(inserted.map((r) => r.x_post_id));
    // A mention already stored (checked above under its author's lock, so only a writer that
    // skipped the lock could do this) keeps its own reply: the one queued here goes.
    const orphans = [...replyPostBy].filter(([mentionId]) => !insertedIds.has(mentionId));
    if (orphans.length > 0) {
      await trx
        .deleteFrom('fanout_posts')
        .where(
          'id',
          'in',
          orphans.map(([, postId]) => postId),
        )
        .execute();
      for (const [mentionId] of orphans) replyPostBy.delete(mentionId);
    }
    if (replyPostBy.size > 0) await sql`select pg_notify(${FANOUT_CHANNEL}, '')`.execute(trx);
    const optOutRows = planned.filter((p) => p.decision.action === 'opted-out' && insertedIds.has(p.mention.id));
    if (optOutRows.length > 0) {
      await trx
        .insertInto('mention_opt_outs')
        .values(
          [...new Set(optOutRows.map((p) => hashOf.get(p.mention.authorId)!))].map((hash) => ({
            author_hash: hash,
            opted_out_at: now,
          })),
        )
        .onConflict((oc) => oc.column('author_hash').doNothing())
        .execute();
      // Replies to them not yet sent are not sent; a person sees the questions.
      const quitters = [...new Set(optOutRows.map((p) => p.mention.authorId))];
      await withdrawReplies(
        trx,
        now,
        sql<boolean>`m.author_id = any(${quitters}::text[])`,
        'opted-out',
        'the person asked for no more automatic replies',
      );
    }
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
