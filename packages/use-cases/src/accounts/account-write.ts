import {
  appendAudit,
  lockAccountRow,
  lockXBinding,
  wakeDispatchers,
  type Account,
  type DB,
  type LockedAccount,
} from '@jcp/db';
import type { Transaction } from 'kysely';
import { accountNotFound, type AccountDeps } from './deps.js';
import { readAccount } from './read.js';

/** What one write to an account did: what the audit log records of it, and whether it may let waiting changes go. */
export interface AccountWritten {
  /** The audit entry (the actor and the account are added); null: nothing to record. */
  audit: { action: string; before?: unknown; after?: unknown } | null;
  /** Wake the fan-out dispatchers: changes waiting for this account may go now. */
  wake?: boolean;
}

/**
 * The one shape of an audited write to one account (its pause switch, its credentials, its
 * settings), in a transaction of its own: the account's row is locked (`FOR NO KEY UPDATE`;
 * after the X binding's lock when the write binds X, so that binders always lock the binding
 * first, then rows), `write` writes and says what it did, the audit entry is appended and the
 * dispatchers are woken if asked. ACCOUNT_NOT_FOUND (nothing written) when there is no such
 * account. Returns the account as it is after the commit.
 */
export async function writeAccount(
  deps: AccountDeps,
  actor: string,
  id: string,
  write: (trx: Transaction<DB>, before: LockedAccount) => Promise<AccountWritten>,
  options: { bindsX?: boolean } = {},
): Promise<Account> {
  await deps.db.transaction().execute(async (trx) => {
    if (options.bindsX) await lockXBinding(trx);
    const before = await lockAccountRow(trx, id);
    if (!before) throw accountNotFound(id);
    const { audit, wake } = await write(trx, before);
    if (audit) await appendAudit(trx, [{ actor, entityType: 'account', entityId: id, ...audit }]);
    if (wake) await wakeDispatchers(trx);
  });
  return readAccount(deps, id);
}
