import {
  accountExists,
  createAccount,
  updateAccount,
  type Account,
  type AccountSettingsPatch,
  type AccountWriteResult,
} from '@jcp/db';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';
import { accountNotFound, readOptions, type AccountDeps } from './deps.js';
import { ACCOUNT_SETTINGS_DEFAULTS, checkAccountSettings } from './settings-rule.js';

/** The settings of a replaced (or created) account: name and handle, the rest optional. */
export type AccountSettings = AccountSettingsPatch & { name: string; handle: string };

function accountOf(id: string, result: AccountWriteResult): Account {
  if (result.outcome === 'ok') return result.account;
  if (result.outcome === 'not_found') throw accountNotFound(id);
  if (result.outcome === 'exists') throw fail('ACCOUNT_EXISTS', `Account ${id} already exists`);
  throw fail('HANDLE_TAKEN', `Another account${result.accountId ? ` (${result.accountId})` : ''} has this handle`, {
    accountId: result.accountId,
  });
}

/**
 * Creates the account, or replaces its settings: settings left out take their defaults,
 * except xUserId, which is kept. Pause state and credentials are not touched. An account
 * created meanwhile by another request has its settings replaced instead.
 */
export async function putAccountSettings(
  deps: AccountDeps,
  caller: Caller,
  id: string,
  input: AccountSettings,
): Promise<{ created: boolean; account: Account }> {
  const settings = checkAccountSettings(
    {
      ...input,
      languages: input.languages ?? [...ACCOUNT_SETTINGS_DEFAULTS.languages],
      postingWindow: input.postingWindow ?? { ...ACCOUNT_SETTINGS_DEFAULTS.postingWindow },
      includeLinks: input.includeLinks ?? ACCOUNT_SETTINGS_DEFAULTS.includeLinks,
      link: input.link ?? ACCOUNT_SETTINGS_DEFAULTS.link,
      allowUrgent: input.allowUrgent ?? ACCOUNT_SETTINGS_DEFAULTS.allowUrgent,
      coalesceSeconds: input.coalesceSeconds ?? ACCOUNT_SETTINGS_DEFAULTS.coalesceSeconds,
      autoReplies: input.autoReplies ?? ACCOUNT_SETTINGS_DEFAULTS.autoReplies,
      signpostReplies: input.signpostReplies ?? ACCOUNT_SETTINGS_DEFAULTS.signpostReplies,
    },
    id,
  );
  const options = readOptions(deps);
  const exists = await accountExists(deps.db, id);
  if (exists)
    return {
      created: false,
      account: accountOf(id, await updateAccount(deps.db, id, settings, caller.actor, options)),
    };
  const result = await createAccount(deps.db, { id, ...settings }, caller.actor, options);
  // Created meanwhile by another request: replace its settings instead.
  if (result.outcome === 'exists')
    return { created: true, account: accountOf(id, await updateAccount(deps.db, id, settings, caller.actor, options)) };
  return { created: true, account: accountOf(id, result) };
}

/** Changes some of an account's settings (only those given). */
export async function patchAccountSettings(
  deps: AccountDeps,
  caller: Caller,
  id: string,
  patch: AccountSettingsPatch,
): Promise<Account> {
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as AccountSettingsPatch;
  return accountOf(id, await updateAccount(deps.db, id, checkAccountSettings(given), caller.actor, readOptions(deps)));
}
