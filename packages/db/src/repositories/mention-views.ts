// Mentions as the audit and the inbox show them, and the inbox's state.
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import type { DB, InboxState, MentionDecision } from '../types.js';

export interface MentionView {
  id: string;
  account: string;
  author: { id: string; username: string | null };
  text: string;
  redacted: string[];
  postedAt: Date;
  receivedAt: Date;
  source: 'poll' | 'webhook';
  inReplyTo: string | null;
  conversationId: string | null;
  classification: {
    intent: 'status' | 'other';
    language: 'en' | 'cy';
    when: string | null;
    offices: string[];
    stop: boolean;
  };
  decision: MentionDecision;
  reason: string;
  reply: {
    postId: string;
    text: string;
    state: string;
    xPostId: string | null;
    deliveredAt: Date | null;
    lastError: string | null;
  } | null;
  inbox: { state: InboxState; handledAt: Date | null; handledBy: string | null; note: string | null } | null;
}

export interface MentionFilter {
  /** Only these accounts (a manager's scope); undefined: all. */
  accountIds?: readonly string[] | undefined;
  account?: string | undefined;
  decision?: MentionDecision | undefined;
  /** Only inbox mentions in this state. */
  inboxState?: InboxState | undefined;
  inboxOnly?: boolean;
  /** Mentions received before this cursor (the previous page's last). */
  before?: { receivedAt: Date; id: string } | undefined;
  limit: number;
}

function mentionQuery(db: Kysely<DB>) {
  return db
    .selectFrom('mentions as m')
    .leftJoin('fanout_posts as p', 'p.id', 'm.reply_post_id')
    .select([
      'm.x_post_id',
      'm.account_id',
      'm.author_id',
      'm.author_username',
      'm.text',
      'm.redacted',
      'm.posted_at',
      'm.received_at',
      'm.source',
      'm.in_reply_to_x_id',
      'm.conversation_id',
      'm.intent',
      'm.language',
      'm.asked_when',
      'm.offices',
      'm.stop',
      'm.decision',
      'm.reason',
      'm.reply_post_id',
      'm.inbox_state',
      'm.handled_at',
      'm.handled_by',
      'm.handled_note',
      'p.text as reply_text',
      'p.state as reply_state',
      'p.x_post_id as reply_x_id',
      'p.delivered_at as reply_delivered_at',
      'p.last_error as reply_error',
    ]);
}

type MentionRow = Awaited<ReturnType<ReturnType<typeof mentionQuery>['execute']>>[number];

function toView(r: MentionRow): MentionView {
  return {
    id: r.x_post_id,
    account: r.account_id,
    author: { id: r.author_id, username: r.author_username },
    text: r.text,
    redacted: r.redacted,
    postedAt: r.posted_at,
    receivedAt: r.received_at,
    source: r.source,
    inReplyTo: r.in_reply_to_x_id,
    conversationId: r.conversation_id,
    classification: { intent: r.intent, language: r.language, when: r.asked_when, offices: r.offices, stop: r.stop },
    decision: r.decision,
    reason: r.reason,
    reply: r.reply_post_id
      ? {
          postId: r.reply_post_id,
          text: r.reply_text ?? '',
          state: r.reply_state ?? 'queued',
          xPostId: r.reply_x_id ?? null,
          deliveredAt: r.reply_delivered_at ?? null,
          lastError: r.reply_error ?? null,
        }
      : null,
    inbox: r.inbox_state
      ? { state: r.inbox_state, handledAt: r.handled_at, handledBy: r.handled_by, note: r.handled_note }
      : null,
  };
}

export async function listMentions(db: Kysely<DB>, filter: MentionFilter): Promise<MentionView[]> {
  let q = mentionQuery(db);
  if (filter.accountIds)
    q = q.where('m.account_id', 'in', filter.accountIds.length > 0 ? [...filter.accountIds] : ['']);
  if (filter.account) q = q.where('m.account_id', '=', filter.account);
  if (filter.decision) q = q.where('m.decision', '=', filter.decision);
  if (filter.inboxOnly) q = q.where('m.inbox_state', 'is not', null);
  if (filter.inboxState) q = q.where('m.inbox_state', '=', filter.inboxState);
  if (filter.before) {
    const { receivedAt, id } = filter.before;
    q = q.where((eb) =>
      eb.or([
        eb('m.received_at', '<', receivedAt),
        eb.and([eb('m.received_at', '=', receivedAt), eb(sql`m.x_post_id::numeric`, '<', sql`${id}::numeric`)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('m.received_at', 'desc')
    .orderBy(sql`m.x_post_id::numeric`, 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map(toView);
}

export async function getMention(db: Kysely<DB>, id: string): Promise<MentionView | undefined> {
  const row = await mentionQuery(db).where('m.x_post_id', '=', id).executeTakeFirst();
  return row ? toView(row) : undefined;
}

/**
 * Marks an inbox mention handled (or open again), inside the caller's transaction.
 * Undefined when there is no such inbox mention; audited with the caller's principal.
 * The audit log outlives the mention, so it names the mention by its random reference
 * (not its X post id, which leads to its author) and says whether there was a note, not
 * what it said (the note is kept with the mention, and deleted with it).
 */
export async function setInboxState(
  trx: Transaction<DB>,
  id: string,
  state: InboxState,
  actor: string,
  note: string | null,
): Promise<MentionView | undefined> {
  const before = await trx
    .selectFrom('mentions')
    .select(['inbox_state', 'ref'])
    .where('x_post_id', '=', id)
    .where('inbox_state', 'is not', null)
    .forUpdate()
    .executeTakeFirst();
  if (!before) return undefined;
  await trx
    .updateTable('mentions')
    .set(
      state === 'handled'
        ? { inbox_state: 'handled', handled_at: sql`clock_timestamp()`, handled_by: actor, handled_note: note }
        : { inbox_state: 'open', handled_at: null, handled_by: null, handled_note: note },
    )
    .where('x_post_id', '=', id)
    .execute();
  await appendAudit(trx, [
    {
      actor,
      action: state === 'handled' ? 'mention.handled' : 'mention.reopened',
      entityType: 'mention',
      entityId: before.ref,
      before: { state: before.inbox_state },
      after: { state, hasNote: note !== null },
    },
  ]);
  const row = await mentionQuery(trx).where('m.x_post_id', '=', id).executeTakeFirstOrThrow();
  return toView(row);
}

/** The accounts a manager's token covers: its accounts, and those of its districts' offices. */
export async function accountsCovered(
  db: Kysely<DB>,
  scope: { districtCodes: readonly string[]; accountIds: readonly string[] },
): Promise<string[]> {
  const fromDistricts =
    scope.districtCodes.length === 0
      ? []
      : (
          await db
            .selectFrom('offices')
            .select('account_id')
            .distinct()
            .where('district_code', 'in', [...scope.districtCodes])
            .execute()
        ).map((r) => r.account_id);
  return [...new Set([...scope.accountIds, ...fromDistricts])].sort();
}
