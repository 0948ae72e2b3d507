import { appendAudit, replaceSealedCredentials } from '@jcp/db';
import type { AccountDeps } from './deps.js';

/**
 * Replaces accounts' sealed credentials with the same tokens sealed again (a new key, or bound
 * to the account), each only if it still holds what was read (`previous`): credentials
 * stored or removed meanwhile are left as they are. One transaction; audited with the key id,
 * never the tokens. Returns the ids replaced.
 */
export async function resealCredentials(
  deps: Pick<AccountDeps, 'db'>,
  rows: readonly { accountId: string; previous: string; next: string; keyId: string }[],
  actor: string,
): Promise<string[]> {
  if (rows.length === 0) return [];
  return deps.db.transaction().execute(async (trx) => {
    const replaced: string[] = [];
    for (const row of rows) if (await replaceSealedCredentials(trx, row)) replaced.push(row.accountId);
    const byId = new Map(rows.map((r) => [r.accountId, r]));
    await appendAudit(
      trx,
      replaced.map((id) => ({
        actor,
        action: 'account.credentials_resealed',
        entityType: 'account',
        entityId: id,
        after: { keyId: byId.get(id)!.keyId },
      })),
    );
    return replaced;
  });
}
