// Composing: an account's pending status changes become a batch of posts, in one transaction
// on the account's row. The repositories (fanout-compose.ts in @jcp/db) read and write; the
// domain writes the text.
import {
  assignChangesToBatch,
  batchOfficeIds,
  dbNow,
  DEFAULT_RECOMPOSE_AFTER_SECONDS,
  expireHeldReplies,
  insertBatch,
  lockAccountForComposing,
  lockPendingChanges,
  lockQueuedStatusPosts,
  officeStatesToCompose,
  pendingAccounts,
  queuedBatchOf,
  supersedePosts,
  textAlreadyUsed,
  type DB,
  type FanoutDefaults,
  type QueuedBatch,
} from '@jcp/db';
import {
  composeStatusPosts,
  DEFAULT_MENTION_POLICY,
  firstDistinct,
  REGULAR_ANNOUNCEMENT,
  sameAnnouncement,
  supersedable,
  type Language,
  type OfficeChange,
} from '@jcp/domain';
import type { Logger } from '@jcp/log';
import type { Kysely } from 'kysely';

export interface ComposedBatch {
  batchId: string;
  accountId: string;
  offices: string[];
  posts: number;
  /** An unstarted batch gave way to this one. */
  superseded: boolean;
}

/**
 * Composes the account's pending changes into posts: the then-current state of each
 * changed office, compared with what its followers last heard (a change undone within
 * the coalescing window, or superseded while the posting window was shut, posts nothing
 * of its own). A queued batch that was never tried gives way (its posts are superseded
 * and its offices composed again with their current state) when newer changes wait or
 * it has gone stale; one that was tried is delivered first. Null when another worker
 * holds the account or there is nothing to compose. The caller has checked readiness.
 */
export async function composeBatch(
  deps: { db: Kysely<DB> },
  accountId: string,
  defaults: Pick<FanoutDefaults, 'recomposeAfterSeconds'> = {},
): Promise<ComposedBatch | null> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await lockAccountForComposing(trx, accountId);
    if (!row) return null;
    const now = await dbNow(trx);
    const pending = await lockPendingChanges(trx, accountId);
    // Lock the queued posts: a claim in flight either went first (the batch is then
    // started and stays) or skips them (they are superseded here).
    const queuedPosts = await lockQueuedStatusPosts(trx, accountId);
    let superseded: string[] = [];
    let supersededBatch: QueuedBatch | undefined;
    if (queuedPosts.length > 0) {
      const batch = await queuedBatchOf(trx, accountId);
      if (
        !batch ||
        !supersedable(batch, pending.length > 0, now, defaults.recomposeAfterSeconds ?? DEFAULT_RECOMPOSE_AFTER_SECONDS)
      )
        return null;
      superseded = await batchOfficeIds(trx, batch.batchId);
      // Nothing to say again and nothing new: leave it (never drop posts without a replacement).
      if (superseded.length === 0 && pending.length === 0) return null;
      await supersedePosts(
        trx,
        queuedPosts.map((p) => p.id),
      );
      supersededBatch = batch;
    }
    const officeIds = [...new Set([...pending.map((p) => p.office_id), ...superseded])];
    if (officeIds.length === 0) return null;

    const states = await officeStatesToCompose(trx, officeIds, row.languages.includes('cy'));
    const toPost = states
      .filter((s) => !sameAnnouncement(s.heard ?? REGULAR_ANNOUNCEMENT, s.current))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', 'en-GB'));
    const changes: OfficeChange[] = toPost.map((s) => s.change);
    const account = {
      handle: row.handle,
      languages: row.languages as Language[],
      includeLink: row.include_links,
      ...(row.link ? { link: row.link } : {}),
    };
    // X refuses a text the account already posted: the one rule (distinct-text) tells a
    // second update within the minute apart by its seconds, a third within the second by a count.
    const composed = await firstDistinct(
      (attempt) => composeStatusPosts(account, changes, now, { stampAt: now, stampAttempt: attempt }),
      async (posts) =>
        posts.length > 0 &&
        textAlreadyUsed(
          trx,
          accountId,
          posts.flatMap((p) => p.parts),
        ),
    );

    const { batchId, posts } = await insertBatch(trx, {
      accountId,
      composedAt: now,
      offices: toPost.map((s) => ({ officeId: s.officeId, changeSeq: s.seq })),
      urgent: pending.some((p) => p.urgent) || (supersededBatch?.urgent ?? false),
      posts: composed,
    });
    await assignChangesToBatch(trx, {
      accountId,
      batchId,
      changeSeqs: pending.map((p) => p.change_seq),
      ...(supersededBatch ? { fromBatchId: supersededBatch.batchId } : {}),
    });
    return {
      batchId,
      accountId,
      offices: toPost.map((s) => s.officeId),
      posts,
      superseded: supersededBatch !== undefined,
    };
  });
}

export interface ComposeReadyOptions extends FanoutDefaults {
  /** A reply whose question is older than this is not sent (default: the mention policy's, an hour). */
  replyMaxAgeSeconds?: number;
}

/**
 * One look at composing: replies held back past their questions' age are given up (their
 * questions go to a person), and every account whose changes are ready (fanoutReadiness:
 * coalescing window passed, posting window open or urgent, not paused, credentials present,
 * nothing left to deliver) has them composed, a few accounts at a time, each in its own
 * transaction; one account's failure does not hold back the others. Returns when an account
 * waiting for its coalescing or posting window will be ready (on this process's clock), or
 * null if none is waiting.
 */
export async function composeReady(
  deps: { db: Kysely<DB>; log: Logger },
  options: ComposeReadyOptions,
): Promise<Date | null> {
  const { db, log } = deps;
  const defaults = {
    coalesceSeconds: options.coalesceSeconds,
    ...(options.recomposeAfterSeconds === undefined ? {} : { recomposeAfterSeconds: options.recomposeAfterSeconds }),
  };
  // Replies held back past their questions' age go to a person (looked at with composing: every poll).
  const expired = await expireHeldReplies(db, options.replyMaxAgeSeconds ?? DEFAULT_MENTION_POLICY.maxAgeSeconds);
  if (expired > 0) log.info({ expired }, 'replies held back too long were not sent; their questions are in the inbox');
  const { now, accounts } = await pendingAccounts(db, defaults);
  const ready = accounts.filter((a) => a.waiting === null);
  log.trace({ accounts }, 'pending accounts');
  // A few at a time: each is a short transaction on its own account.
  for (let i = 0; i < ready.length; i += 4) {
    // One account's failure must not hold back the others.
    const batches = await Promise.allSettled(
      ready.slice(i, i + 4).map((a) => composeBatch({ db }, a.accountId, defaults)),
    );
    for (const [j, b] of batches.entries()) {
      if (b.status === 'rejected')
        log.error(
          { err: b.reason as unknown, account: ready[i + j]?.accountId },
          'composing failed; tried again at the next look',
        );
      else if (b.value)
        log.debug(
          {
            account: b.value.accountId,
            offices: b.value.offices.length,
            posts: b.value.posts,
            superseded: b.value.superseded,
          },
          'changes composed',
        );
    }
  }
  const next = accounts
    .filter((a) => a.waiting === 'coalescing' || a.waiting === 'posting-window')
    .map((a) => a.readyAt?.getTime() ?? Infinity);
  const soonest = Math.min(...next);
  // The database's clock decided readiness; turn it into a delay on ours.
  return Number.isFinite(soonest) ? new Date(Date.now() + Math.max(0, soonest - now.getTime())) : null;
}
