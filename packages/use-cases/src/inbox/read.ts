import { getMention, ingestState, listMentions, type DB, type MentionFilter, type MentionView } from '@jcp/db';
import type { Kysely } from 'kysely';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';
import { mentionAccountsOf } from './scope.js';

export function encodeMentionCursor(m: MentionView): string {
  return Buffer.from(`${m.receivedAt.toISOString()}|${m.id}`).toString('base64url');
}

export function decodeMentionCursor(cursor: string): { receivedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const receivedAt = new Date(at ?? '');
  if (!id || !/^\d{1,19}$/.test(id) || Number.isNaN(receivedAt.getTime()))
    throw fail('BAD_CURSOR', 'cursor is not one this API gave');
  return { receivedAt, id };
}

/** A page of the mentions the caller may see, newest first (the audit, or the inbox with `inboxOnly`). */
export async function readMentionPage(
  deps: { db: Kysely<DB> },
  caller: Caller,
  filter: Omit<MentionFilter, 'accountIds' | 'limit' | 'before'>,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: MentionView[]; nextCursor: string | null }> {
  const accountIds = await mentionAccountsOf(deps.db, caller);
  const items = await listMentions(deps.db, {
    ...filter,
    accountIds,
    limit: page.limit + 1,
    ...(page.cursor ? { before: decodeMentionCursor(page.cursor) } : {}),
  });
  const more = items.length > page.limit;
  const shown = items.slice(0, page.limit);
  const last = shown.at(-1);
  return { items: shown, nextCursor: more && last ? encodeMentionCursor(last) : null };
}

/** One mention the caller may see: another account's is as good as absent to a manager (MENTION_NOT_FOUND). */
export async function readMention(deps: { db: Kysely<DB> }, caller: Caller, id: string): Promise<MentionView> {
  const mention = await getMention(deps.db, id);
  const accounts = await mentionAccountsOf(deps.db, caller);
  if (!mention || (accounts && !accounts.includes(mention.account)))
    throw fail('MENTION_NOT_FOUND', `No mention ${id}`);
  return mention;
}

/** How mention reading is going: who reads, when last and next, and the last error. */
export async function readMentionIngest(deps: { db: Kysely<DB> }): ReturnType<typeof ingestState> {
  return ingestState(deps.db);
}
