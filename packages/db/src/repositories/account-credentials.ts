// An account's X credentials: stored sealed (encrypted), re-sealed, removed; never selected elsewhere.
// Written inside the caller's transaction; the use cases (packages/use-cases/src/accounts/)
// lock, bind X, audit and wake.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';

/** Stores an account's sealed (encrypted) tokens and its X user id. */
export async function writeAccountCredentials(
  trx: Transaction<DB>,
  id: string,
  credentials: { sealed: string; xUserId: string },
): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({
      credentials_encrypted: Buffer.from(credentials.sealed, 'utf8'),
      x_user_id: credentials.xUserId,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
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
 * Replaces an account's sealed credentials with `next` only if it still holds `previous`
 * (what was read). False: stored or removed meanwhile, left as it is.
 */
export async function replaceSealedCredentials(
  trx: Transaction<DB>,
  row: { accountId: string; previous: string; next: string },
): Promise<boolean> {
  const result = await trx
    .updateTable('accounts')
    .set({ credentials_encrypted: Buffer.from(row.next, 'utf8') })
    .where('id', '=', row.accountId)
    .where('credentials_encrypted', '=', Buffer.from(row.previous, 'utf8'))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Removes an account's stored tokens (its X user id stays). */
export async function deleteAccountCredentials(trx: Transaction<DB>, id: string): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({ credentials_encrypted: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}
