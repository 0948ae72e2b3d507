import type { DB } from '@jcp/db';
import { mentionAccounts, officeIndexCache } from '@jcp/db';
import type { OfficeIndex } from '@jcp/domain';
import type { Kysely } from 'kysely';

/** Which of our accounts a mention is for: by the account's X user id, and by its handle (lower case). */
export interface MentionRouting {
  byUserId: ReadonlyMap<string, string>;
  byHandle: ReadonlyMap<string, string>;
}

/**
 * The accounts whose mentions are ours to answer: every account with an X identity (the
 * poller and the webhook both route by it).
 */
export async function mentionRouting(deps: { db: Kysely<DB> }): Promise<MentionRouting> {
  return routingOf(await mentionAccounts(deps.db));
}

/** The same, from accounts already read (the poller reads them for their tokens too); `readable`: those routed. */
export function routingOf<A extends { accountId: string; handle: string; xUserId: string | null }>(
  accounts: readonly A[],
): MentionRouting & { readable: A[] } {
  const readable = accounts.filter((a) => a.xUserId !== null);
  return {
    readable,
    byUserId: new Map(readable.map((a) => [a.xUserId!, a.accountId])),
    byHandle: new Map(readable.map((a) => [a.handle.toLowerCase(), a.accountId])),
  };
}

/** The office index the classifier reads, rebuilt when the register changes (checked at most every 30 s). */
export function officeIndexSource(deps: { db: Kysely<DB> }): () => Promise<OfficeIndex> {
  return officeIndexCache(deps.db);
}
