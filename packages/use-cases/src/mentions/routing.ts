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
  const accounts = (await mentionAccounts(deps.db)).filter((a) => a.xUserId !== null);
  return {
    byUserId: new Map(accounts.map((a) => [a.xUserId!, a.clusterId])),
    byHandle: new Map(accounts.map((a) => [a.handle.toLowerCase(), a.clusterId])),
  };
}

/** The office index the classifier reads, rebuilt when the register changes (checked at most every 30 s). */
export function officeIndexSource(deps: { db: Kysely<DB> }): () => Promise<OfficeIndex> {
  return officeIndexCache(deps.db);
}
