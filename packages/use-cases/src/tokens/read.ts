import { findToken, listTokens, type DB, type TokenSummary } from '@jcp/db';
import type { Kysely } from 'kysely';
import { fail } from '../problems.js';

/** API tokens, newest first, never their secrets; revoked ones only when asked. */
export async function readApiTokens(
  deps: { db: Kysely<DB> },
  options: { includeRevoked: boolean },
): Promise<TokenSummary[]> {
  return listTokens(deps.db, options);
}

/** One API token, revoked or not; TOKEN_NOT_FOUND when there is none. */
export async function readApiToken(deps: { db: Kysely<DB> }, id: string): Promise<TokenSummary> {
  const token = await findToken(deps.db, id);
  if (!token) throw fail('TOKEN_NOT_FOUND', `No token ${id}`);
  return token;
}
