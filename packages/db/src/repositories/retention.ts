// How long citizens' data is kept (see docs/mentions.md, "Retention"). Mentions and the
// replies to them are deleted after the retention, and what statistics need is kept as
// counts per London day that name nobody; opt-outs from before hashing are hashed.
// Both run in small batches, each its own short transaction, so that they never hold
// many rows or a lock for long, and may run on several instances at once.
import { sql, type Kysely } from 'kysely';
import { optOutHash } from '../privacy.js';
import { takeLock } from '../locks.js';
import type { DB } from '../types.js';

export interface MentionRetention {
  /** Mentions (handled inbox items included) and their replies are kept this long after they were received. */
  retentionMs: number;
  /** An open inbox item is kept until it is handled, but no longer than this. */
  openInboxMs: number;
}

export interface PruneResult {
  /** Mentions deleted (counted in mention_stats first). */
  mentions: number;
  /** Replies to them deleted. */
  replies: number;
}

const DEFAULT_BATCH = 500;

/**
 * Deletes, batch by batch, the mentions older than the retention (an open inbox item:
 * older than `openInboxMs`) whose reply, if any, is settled (a queued reply is the
 * dispatcher's: it withdraws it after MENTION_MAX_AGE_SECONDS, always shorter), with
 * their replies. Each batch first adds the mentions to the day's counts. A row another
 * transaction holds (an inbox action) is left for the next run.
 */
export async function pruneMentions(
  db: Kysely<DB>,
  retention: MentionRetention,
  options: { batchSize?: number } = {},
): Promise<PruneResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const total: PruneResult = { mentions: 0, replies: 0 };
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      await takeLock(trx, 'retention');
      const { rows } = await sql<{ x_post_id: string }>`
        select m.x_post_id from mentions m
        where m.received_at < now() - make_interval(secs => ${retention.retentionMs / 1000})
          and (m.inbox_state is distinct from 'open' or m.received_at < now() - make_interval(secs => ${retention.openInboxMs / 1000}))
          and not exists (select 1 from fanout_posts p where p.id = m.reply_post_id and p.state = 'queued')
        order by m.received_at
        limit ${batchSize}
        for update of m skip locked`.execute(trx);
      if (rows.length === 0) return { mentions: 0, replies: 0 };
      const ids = rows.map((r) => r.x_post_id);
      // In key order, so that concurrent batches never lock the same counters in opposite orders.
      await sql`
        insert into mention_stats as s (day, account_id, source, intent, language, decision, reason, reply_state, mentions)
        select (m.received_at at time zone 'Europe/London')::date, m.account_id, m.source, m.intent, m.language, m.decision, m.reason, coalesce(p.state, 'none'), count(*)
        from mentions m left join fanout_posts p on p.id = m.reply_post_id
        where m.x_post_id = any(${ids}::text[])
        group by 1, 2, 3, 4, 5, 6, 7, 8
        order by 1, 2, 3, 4, 5, 6, 7, 8
        on conflict (day, account_id, source, intent, language, decision, reason, reply_state) do update set mentions = s.mentions + excluded.mentions`.execute(
        trx,
      );
      await sql`
        insert into mention_office_stats as s (day, office_id, mentions)
        select (m.received_at at time zone 'Europe/London')::date, o.office_id, count(*)
        from mentions m cross join lateral unnest(m.offices) as o (office_id)
        where m.x_post_id = any(${ids}::text[])
        group by 1, 2
        order by 1, 2
        on conflict (day, office_id) do update set mentions = s.mentions + excluded.mentions`.execute(trx);
      const deleted = await trx
        .deleteFrom('mentions')
        .where('x_post_id', 'in', ids)
        .returning('reply_post_id')
        .execute();
      const replies = deleted.flatMap((r) => (r.reply_post_id === null ? [] : [r.reply_post_id]));
      if (replies.length > 0) {
        // The budgets' records of a send stay (they count posts, whoever they answered).
        await trx.updateTable('fanout_sends').set({ post_id: null }).where('post_id', 'in', replies).execute();
        await trx.deleteFrom('fanout_posts').where('id', 'in', replies).where('kind', '=', 'reply').execute();
      }
      return { mentions: deleted.length, replies: replies.length };
    });
    total.mentions += done.mentions;
    total.replies += done.replies;
    if (done.mentions < batchSize) return total;
  }
}

/**
 * Opt-outs stored before they were hashed (by id) become hashes, batch by batch: a hash
 * already there (the person said stop again meanwhile) wins. Returns how many.
 */
export async function hashLegacyOptOuts(
  db: Kysely<DB>,
  key: Buffer,
  options: { batchSize?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let total = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      await takeLock(trx, 'retention');
      const legacy = await trx
        .selectFrom('mention_opt_outs')
        .select(['author_id', 'opted_out_at'])
        .where('author_id', 'is not', null)
        .orderBy('author_id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (legacy.length === 0) return 0;
      await trx
        .deleteFrom('mention_opt_outs')
        .where(
          'author_id',
          'in',
          legacy.map((r) => r.author_id!),
        )
        .execute();
      await trx
        .insertInto('mention_opt_outs')
        .values(legacy.map((r) => ({ author_hash: optOutHash(key, r.author_id!), opted_out_at: r.opted_out_at })))
        .onConflict((oc) => oc.column('author_hash').doNothing())
        .execute();
      return legacy.length;
    });
    total += done;
    if (done < batchSize) return total;
  }
}
