import { getAccount, listAccounts, type Account } from '@jcp/db';
import { accountNotFound, readOptions, type AccountDeps } from './deps.js';

/** Every account, by id, with its delivery health. */
export async function readAccounts(deps: AccountDeps): Promise<Account[]> {
  return listAccounts(deps.db, readOptions(deps));
}

/** One account with its delivery health; ACCOUNT_NOT_FOUND when there is none. */
export async function readAccount(deps: AccountDeps, id: string): Promise<Account> {
  const account = await getAccount(deps.db, id, readOptions(deps));
  if (!account) throw accountNotFound(id);
  return account;
}
