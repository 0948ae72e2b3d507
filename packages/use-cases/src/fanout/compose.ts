// Composing: an account's pending status changes become a batch of posts, in one transaction
// on the account's row. The repositories (fanout-compose.ts in @jcp/db) read and write; the
// domain writes the text.
import {
  assignChangesToBatch,
  batchOfficeIds,
  dbNow,
  DEFAULT_RECOMPOSE_AFTER_SECONDS,
  insertBatch,
  lockAccountForComposing,
  lockPendingChanges,
  lockQueuedStatusPosts,
  officeStatesToCompose,
  queuedBatchOf,
  supersedePosts,
  textAlreadyUsed,
  type DB,
  type FanoutDefaults,
  type QueuedBatch,
} from '@jcp/db';
import {
  composeStatusPosts,
  firstDistinct,
  REGULAR_ANNOUNCEMENT,
  sameAnnouncement,
  supersedable,
  type Language,
  type OfficeChange,
} from '@jcp/domain';
import type { Kysely } from 'kysely';

export interface ComposedBatch {
  batchId: string;
  clusterId: string;
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
  db: Kysely<DB>,
  clusterId: string,
  defaults: Pick<FanoutDefaults, 'recomposeAfterSeconds'> = {},
): Promise<ComposedBatch | null> {
  return db.transaction().execute(async (trx) => {
    const cluster = await lockAccountForComposing(trx, clusterId);
    if (!cluster) return null;
    const now = await dbNow(trx);
    const pending = await lockPendingChanges(trx, clusterId);
    // Lock the queued posts: a claim in flight either went first (the batch is then
    // started and stays) or skips them (they are superseded here).
    const queuedPosts = await lockQueuedStatusPosts(trx, clusterId);
    let superseded: string[] = [];
    let supersededBatch: QueuedBatch | undefined;
    if (queuedPosts.length > 0) {
      const batch = await queuedBatchOf(trx, clusterId);
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

    const states = await officeStatesToCompose(trx, officeIds, cluster.languages.includes('cy'));
    const toPost = states
      .filter((s) => !sameAnnouncement(s.heard ?? REGULAR_ANNOUNCEMENT, s.current))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', 'en-GB'));
    const changes: OfficeChange[] = toPost.map((s) => s.change);
    const account = {
      handle: cluster.handle,
      languages: cluster.languages as Language[],
      includeLink: cluster.include_links,
      ...(cluster.link ? { link: cluster.link } : {}),
    };
    // X refuses a text the account already posted: the one rule (distinct-text) tells a
    // second update within the minute apart by its seconds, a third within the second by a count.
    const composed = await firstDistinct(
      (attempt) => composeStatusPosts(account, changes, now, { stampAt: now, stampAttempt: attempt }),
      async (posts) =>
        posts.length > 0 &&
        textAlreadyUsed(
          trx,
          clusterId,
          posts.flatMap((p) => p.parts),
        ),
    );

    const { batchId, posts } = await insertBatch(trx, {
      clusterId,
      composedAt: now,
      offices: toPost.map((s) => ({ officeId: s.officeId, changeSeq: s.seq })),
      urgent: pending.some((p) => p.urgent) || (supersededBatch?.urgent ?? false),
      posts: composed,
    });
    await assignChangesToBatch(trx, {
      clusterId,
      batchId,
      changeSeqs: pending.map((p) => p.change_seq),
      ...(supersededBatch ? { fromBatchId: supersededBatch.batchId } : {}),
    });
    return {
      batchId,
      clusterId,
      offices: toPost.map((s) => s.officeId),
      posts,
      superseded: supersededBatch !== undefined,
    };
  });
}
