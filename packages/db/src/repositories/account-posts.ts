// Reads of what the fan-out composed and delivered: an account's posts, a change's, an office's.
import type { Kysely } from 'kysely';
import type { DB, PostOutcome, PostState } from '../types.js';
import { toDate, type Db } from './account-sql.js';

// --- reads of the fan-out ------------------------------------------------------------------

export interface PostView {
  id: string;
  accountId: string;
  handle: string;
  language: 'en' | 'cy';
  part: number;
  parts: number;
  text: string;
  state: PostState;
  attempts: number;
  xPostId: string | null;
  outcome: PostOutcome | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  deliveredBy: string | null;
  notBefore: Date;
  replyToPostId: string | null;
  /** A status post, or a reply to a citizen's mention. */
  kind: 'status' | 'reply';
  /** A reply's target: the mention's X post id. */
  inReplyToXId: string | null;
}

function postsQuery(db: Db) {
  return db
    .selectFrom('fanout_posts as p')
    .innerJoin('accounts as c', 'c.id', 'p.account_id')
    .select([
      'p.id',
      'p.account_id',
      'c.handle',
      'p.language',
      'p.part',
      'p.parts',
      'p.text',
      'p.state',
      'p.attempts',
      'p.x_post_id',
      'p.outcome',
      'p.last_error',
      'p.created_at',
      'p.delivered_at',
      'p.delivered_by',
      'p.not_before',
      'p.reply_to_post_id',
      'p.batch_id',
      'p.kind',
      'p.in_reply_to_x_id',
    ]);
}

type PostRow = Awaited<ReturnType<ReturnType<typeof postsQuery>['execute']>>[number];

function toPostView(r: PostRow): PostView {
  return {
    id: String(r.id),
    accountId: r.account_id,
    handle: r.handle,
    language: r.language,
    part: r.part,
    parts: r.parts,
    text: r.text,
    state: r.state,
    attempts: r.attempts,
    xPostId: r.x_post_id,
    outcome: r.outcome,
    lastError: r.last_error,
    createdAt: toDate(r.created_at) ?? new Date(0),
    deliveredAt: toDate(r.delivered_at),
    deliveredBy: r.delivered_by,
    notBefore: toDate(r.not_before) ?? new Date(0),
    replyToPostId: r.reply_to_post_id === null ? null : String(r.reply_to_post_id),
    kind: r.kind,
    inReplyToXId: r.in_reply_to_x_id,
  };
}

/**
 * An account's posts, newest first; `before` (a post id) pages back. `kind: 'status'`
 * leaves the replies to citizens out (in the query, so that a page is still full).
 */
export async function postsForAccount(
  db: Kysely<DB>,
  accountId: string,
  options: { state?: PostState; kind?: 'status' | 'reply'; limit: number; before?: string },
): Promise<PostView[]> {
  let query = postsQuery(db).where('p.account_id', '=', accountId).orderBy('p.id', 'desc').limit(options.limit);
  if (options.state) query = query.where('p.state', '=', options.state);
  if (options.kind) query = query.where('p.kind', '=', options.kind);
  if (options.before !== undefined) query = query.where('p.id', '<', options.before);
  return (await query.execute()).map(toPostView);
}

/**
 * What became of a change: `pending` (not composed yet), `composed` (its office is named
 * in the batch's posts), `unchanged` (composed into a batch that does not name it: undone
 * within the window, or what its followers already heard) or `none` (not in the outbox,
 * e.g. recorded before the fan-out existed).
 */
export type ChangeFanoutState = 'pending' | 'composed' | 'unchanged' | 'none';

export interface ChangeFanout {
  seq: string;
  officeId: string;
  accountId: string;
  urgent: boolean;
  state: ChangeFanoutState;
  batch: { id: string; composedAt: Date } | null;
  posts: PostView[];
}

interface OutboxEntry {
  change_seq: string;
  office_id: string;
  account_id: string;
  urgent: boolean;
  batch_id: string | null;
  composed_at: Date | null;
  offices: string[] | null;
}

async function describeEntries(db: Db, entries: readonly OutboxEntry[]): Promise<ChangeFanout[]> {
  const composed = entries.filter((e) => e.batch_id !== null && (e.offices ?? []).includes(e.office_id));
  const batchIds = [...new Set(composed.map((e) => e.batch_id as string))];
  const posts =
    batchIds.length === 0 ? [] : await postsQuery(db).where('p.batch_id', 'in', batchIds).orderBy('p.id').execute();
  const byBatch = new Map<string, PostView[]>();
  for (const p of posts)
    if (p.batch_id !== null) byBatch.set(p.batch_id, [...(byBatch.get(p.batch_id) ?? []), toPostView(p)]);
  return entries.map((e) => {
    const named = e.batch_id !== null && (e.offices ?? []).includes(e.office_id);
    return {
      seq: String(e.change_seq),
      officeId: e.office_id,
      accountId: e.account_id,
      urgent: e.urgent,
      state: e.batch_id === null ? 'pending' : named ? 'composed' : 'unchanged',
      batch: e.batch_id === null ? null : { id: e.batch_id, composedAt: toDate(e.composed_at) ?? new Date(0) },
      posts: named && e.batch_id !== null ? (byBatch.get(e.batch_id) ?? []) : [],
    };
  });
}

function outboxQuery(db: Db) {
  return db
    .selectFrom('fanout_outbox as o')
    .leftJoin('fanout_batches as b', 'b.id', 'o.batch_id')
    .select(['o.change_seq', 'o.office_id', 'o.account_id', 'o.urgent', 'o.batch_id', 'b.composed_at', 'b.offices']);
}

/** What the fan-out made of one status change; undefined when there is no such change. */
export async function postsForChange(db: Kysely<DB>, seq: string): Promise<ChangeFanout | undefined> {
  const change = await db
    .selectFrom('status_changes as s')
    .innerJoin('offices as f', 'f.id', 's.office_id')
    .select(['s.seq', 's.office_id', 'f.account_id'])
    .where('s.seq', '=', seq)
    .executeTakeFirst();
  if (!change) return undefined;
  const entry = await outboxQuery(db).where('o.change_seq', '=', seq).executeTakeFirst();
  if (!entry)
    return {
      seq: String(change.seq),
      officeId: change.office_id,
      accountId: change.account_id,
      urgent: false,
      state: 'none',
      batch: null,
      posts: [],
    };
  return (await describeEntries(db, [entry]))[0];
}

/** The office's recent outbox entries, newest first, each as postsForChange describes it. */
export async function fanoutForOffice(
  db: Kysely<DB>,
  officeId: string,
  options: { limit: number },
): Promise<ChangeFanout[]> {
  const entries = await outboxQuery(db)
    .where('o.office_id', '=', officeId)
    .orderBy('o.change_seq', 'desc')
    .limit(options.limit)
    .execute();
  return describeEntries(db, entries);
}
