import { lockLiveAdminTokens, lockToken, markTokenRevoked, type DB } from '@jcp/db';
import type { Kysely } from 'kysely';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';

/** Whether revoking `tokenId` would leave no live admin token (given the live admin tokens). */
export function isLastAdminToken(token: { id: string; role: string }, liveAdminIds: readonly string[]): boolean {
  return token.role === 'admin' && !liveAdminIds.some((id) => id !== token.id);
}

/**
 * Revokes an API token; it stops working at once. Revoking a revoked token changes nothing
 * ('already_revoked'). The last live admin token is refused (LAST_ADMIN_TOKEN), so that
 * nobody locks every admin out: the live admin tokens are locked first, in id order, so
 * two admins revoking each other's token at once cannot both succeed nor deadlock.
 */
export async function revokeApiToken(
  deps: { db: Kysely<DB> },
  caller: Caller,
  id: string,
): Promise<'revoked' | 'already_revoked'> {
  return deps.db.transaction().execute(async (trx) => {
    const liveAdmins = await lockLiveAdminTokens(trx);
    const token = await lockToken(trx, id);
    if (!token) throw fail('TOKEN_NOT_FOUND', `No token ${id}`);
    if (token.revoked_at) return 'already_revoked';
    if (isLastAdminToken(token, liveAdmins))
      throw fail('LAST_ADMIN_TOKEN', 'This is the last live admin token: issue another admin token before revoking it');
    await markTokenRevoked(trx, token, caller.actor);
    return 'revoked';
  });
}
