// An account's X credentials: stored sealed (encrypted), re-sealed, removed; never selected elsewhere.
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../audit.js';
import type { DB } from '../types.js';
import { wakeDispatchers } from './account-sql.js';
import { bindX, lockXBinding, type XTarget } from './x-binding.js';

/**
 * Stores an account's sealed (encrypted) tokens and its X user id, verified with `target`
 * (the X emulator or a real X): the database is bound to that X in the same transaction, and
 * XBindingConflict is thrown (nothing stored) when it is bound to the other kind. The audit
 * log records that credentials were set and the user id, never the tokens. Wakes the
 * dispatchers: changes waiting for credentials may go now.
 */
export async function setAccountCredentials(
  db: Kysely<DB>,
  id: string,
  credentials: { sealed: string; xUserId: string; target: XTarget },
  actor: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockXBinding(trx);
    const before = await trx
      .selectFrom('accounts')
      .select(['x_user_id', sql<boolean>`credentials_encrypted is not null`.as('has_credentials')])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    await bindX(trx, credentials.target, actor);
    await trx
      .updateTable('accounts')
      .set({
        credentials_encrypted: Buffer.from(credentials.sealed, 'utf8'),
        x_user_id: credentials.xUserId,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'account.credentials_set',
        entityType: 'account',
        entityId: id,
        before: { xUserId: before.x_user_id, hasCredentials: before.has_credentials },
        after: { xUserId: credentials.xUserId, hasCredentials: true },
      },
    ]);
    await wakeDispatchers(trx);
    return true;
  });
}

/** A page of the accounts holding stored credentials, in id order after `afterId` (for re-sealing them). */
export async function storedCredentialsPage(
  db: Kysely<DB>,
  afterId: string | null,
  limit: number,
): Promise<{ accountId: string; sealed: string }[]> {
  let query = db
    .selectFrom('accounts')
    .select(['id', 'credentials_encrypted'])
    .where('credentials_encrypted', 'is not', null)
    .orderBy('id')
    .limit(limit);
  if (afterId !== null) query = query.where('id', '>', afterId);
  return (await query.execute()).map((r) => ({
    accountId: r.id,
    sealed: Buffer.from(r.credentials_encrypted!).toString('utf8'),
  }));
}

/**
 * Replaces accounts' sealed credentials with the same tokens sealed again (a new key, or bound
 * to the account), each only if it still holds what was read (`previous`): credentials
 * stored or removed meanwhile are left as they are. One transaction; audited with the key id,
 * never the tokens. Returns the ids replaced.
 */
export async function resealCredentials(
  db: Kysely<DB>,
  rows: readonly { accountId: string; previous: string; next: string; keyId: string }[],
  actor: string,
): Promise<string[]> {
  if (rows.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const replaced: string[] = [];
    for (const row of rows) {
      const result = await trx
        .updateTable('accounts')
        .set({ credentials_encrypted: Buffer.from(row.next, 'utf8') })
        .where('id', '=', row.accountId)
        .where('credentials_encrypted', '=', Buffer.from(row.previous, 'utf8'))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) replaced.push(row.accountId);
    }
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

/** Removes an account's stored tokens (its X user id stays). False: no such account. */
export async function clearAccountCredentials(db: Kysely<DB>, id: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('accounts')
      .select(sql<boolean>`credentials_encrypted is not null`.as('has_credentials'))
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    if (before.has_credentials) {
      await trx
        .updateTable('accounts')
        .set({ credentials_encrypted: null, updated_at: sql`now()` })
        .where('id', '=', id)
        .execute();
      await appendAudit(trx, [
        {
          actor,
          action: 'account.credentials_cleared',
          entityType: 'account',
          entityId: id,
          before: { hasCredentials: true },
          after: { hasCredentials: false },
        },
      ]);
    }
    return true;
  });
}
