import { accountsCovered, type DB } from '@jcp/db';
import type { Kysely } from 'kysely';
import type { Caller } from '../caller.js';

/**
 * The accounts whose mentions the caller may see: undefined for an admin (all); a
 * manager's own accounts (its accounts, and those of its districts' offices).
 */
export async function mentionAccountsOf(db: Kysely<DB>, caller: Caller): Promise<string[] | undefined> {
  return caller.role === 'admin' ? undefined : accountsCovered(db, caller);
}
