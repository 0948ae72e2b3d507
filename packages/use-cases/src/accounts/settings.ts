import {
  accountExists,
  appendAudit,
  getAccount,
  handleOwner,
  insertAccount,
  isUniqueViolation,
  notifyOfficesChanged,
  updateAccountSettings,
  type Account,
  type AccountSettingsPatch,
  type NewAccount,
} from '@jcp/db';
import type { Caller } from '../caller.js';
import { fail, Problem } from '../problems.js';
import { writeAccount } from './account-write.js';
import { accountNotFound, readOptions, type AccountDeps } from './deps.js';
import { ACCOUNT_SETTINGS_DEFAULTS, checkAccountSettings } from './settings-rule.js';

/** The settings of a replaced (or created) account: name and handle, the rest optional. */
export type AccountSettings = AccountSettingsPatch & { name: string; handle: string };

const handleTaken = (accountId: string | null): Problem =>
  fail('HANDLE_TAKEN', `Another account${accountId ? ` (${accountId})` : ''} has this handle`, { accountId });

/** The settings as the audit log records them (never the credentials). */
function auditedSettings(a: Account): Record<string, unknown> {
  return {
    name: a.name,
    handle: a.handle,
    xUserId: a.xUserId,
    languages: a.languages,
    postingWindow: a.postingWindow,
    includeLinks: a.includeLinks,
    link: a.link,
    allowUrgent: a.allowUrgent,
    coalesceSeconds: a.coalesceSeconds,
    autoReplies: a.autoReplies,
    signpostReplies: a.signpostReplies,
  };
}

function changedOnly(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

const accountExistsProblem = (id: string): Problem => fail('ACCOUNT_EXISTS', `Account ${id} already exists`);

/**
 * A new account (settings only; credentials are set apart), audited. ACCOUNT_EXISTS when the
 * id is taken; HANDLE_TAKEN when another account has the handle (whatever its case).
 */
async function createAccount(deps: AccountDeps, actor: string, input: NewAccount): Promise<Account> {
  try {
    return await deps.db.transaction().execute(async (trx): Promise<Account> => {
      if (await accountExists(trx, input.id)) throw accountExistsProblem(input.id);
      const owner = await handleOwner(trx, input.handle, input.id);
      if (owner) throw handleTaken(owner);
      await insertAccount(trx, input);
      const account = await getAccount(trx, input.id, readOptions(deps));
      if (!account) throw new Error('the account just created is missing');
      await appendAudit(trx, [
        {
          actor,
          action: 'account.created',
          entityType: 'account',
          entityId: input.id,
          after: auditedSettings(account),
        },
      ]);
      return account;
    });
  } catch (error) {
    // Two creations at once: the loser meets the unique index (id or lower(handle)).
    if (isUniqueViolation(error)) {
      if (await accountExists(deps.db, input.id)) throw accountExistsProblem(input.id);
      throw handleTaken(await handleOwner(deps.db, input.handle, input.id));
    }
    throw error;
  }
}

/** Changes an account's settings; only the fields given. Audited with what changed. */
async function updateAccount(
  deps: AccountDeps,
  actor: string,
  id: string,
  patch: AccountSettingsPatch,
): Promise<Account> {
  const options = readOptions(deps);
  try {
    return await writeAccount(deps, actor, id, async (trx) => {
      const before = await getAccount(trx, id, options);
      if (!before) throw accountNotFound(id);
      if (patch.handle !== undefined) {
        const owner = await handleOwner(trx, patch.handle, id);
        if (owner) throw handleTaken(owner);
      }
      if (!(await updateAccountSettings(trx, id, patch))) return { audit: null };
      const after = await getAccount(trx, id, options);
      if (!after) throw new Error('the account just updated is missing');
      // Offices show their account's handle: cached office documents must be rendered again.
      if (before.handle !== after.handle) await notifyOfficesChanged(trx);
      const diff = changedOnly(auditedSettings(before), auditedSettings(after));
      return {
        audit: Object.keys(diff.after).length > 0 ? { action: 'account.updated', ...diff } : null,
        // A new posting window, coalescing or urgency setting may make waiting changes ready.
        wake: true,
      };
    });
  } catch (error) {
    if (isUniqueViolation(error) && patch.handle !== undefined)
      throw handleTaken(await handleOwner(deps.db, patch.handle, id));
    throw error;
  }
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
  if (await accountExists(deps.db, id))
    return { created: false, account: await updateAccount(deps, caller.actor, id, settings) };
  try {
    return { created: true, account: await createAccount(deps, caller.actor, { id, ...settings }) };
  } catch (error) {
    // Created meanwhile by another request: replace its settings instead.
    if (error instanceof Problem && error.code === 'ACCOUNT_EXISTS')
      return { created: true, account: await updateAccount(deps, caller.actor, id, settings) };
    throw error;
  }
}

/** Changes some of an account's settings (only those given). */
export async function patchAccountSettings(
  deps: AccountDeps,
  caller: Caller,
  id: string,
  patch: AccountSettingsPatch,
): Promise<Account> {
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as AccountSettingsPatch;
  return updateAccount(deps, caller.actor, id, checkAccountSettings(given));
}
