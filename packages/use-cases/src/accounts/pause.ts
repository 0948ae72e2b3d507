import { getAccount, pauseAccount, pauseAll, resumeAccount, resumeAll, type Account } from '@jcp/db';
import type { Caller } from '../caller.js';
import { accountNotFound, readOptions, type AccountDeps } from './deps.js';
import { readDeliveryHealth, type DeliveryHealth } from './delivery.js';

async function reread(deps: AccountDeps, id: string): Promise<Account> {
  const account = await getAccount(deps.db, id, readOptions(deps));
  if (!account) throw accountNotFound(id);
  return account;
}

/** Pauses one account: its posts wait, nothing is lost. */
export async function pauseOneAccount(
  deps: AccountDeps,
  caller: Caller,
  id: string,
  reason: string | null,
): Promise<Account> {
  if (!(await pauseAccount(deps.db, id, reason, caller.actor))) throw accountNotFound(id);
  return reread(deps, id);
}

/** Resumes one account: what waited is delivered. */
export async function resumeOneAccount(deps: AccountDeps, caller: Caller, id: string): Promise<Account> {
  if (!(await resumeAccount(deps.db, id, caller.actor))) throw accountNotFound(id);
  return reread(deps, id);
}

/** Pauses delivery for every account at once: posts wait, nothing is lost. */
export async function pauseDelivery(deps: AccountDeps, caller: Caller, reason: string | null): Promise<DeliveryHealth> {
  await pauseAll(deps.db, reason, caller.actor);
  return readDeliveryHealth(deps);
}

/** Resumes delivery for every account; accounts paused one by one stay paused. */
export async function resumeDelivery(deps: AccountDeps, caller: Caller): Promise<DeliveryHealth> {
  await resumeAll(deps.db, caller.actor);
  return readDeliveryHealth(deps);
}
