import {
  appendAudit,
  readControl,
  wakeDispatchers,
  writeAccountPaused,
  writeAccountResumed,
  writeDeliveryPaused,
  writeDeliveryResumed,
  type Account,
} from '@jcp/db';
import type { Caller } from '../caller.js';
import { writeAccount } from './account-write.js';
import type { AccountDeps } from './deps.js';
import { readDeliveryHealth, type DeliveryHealth } from './delivery.js';

/** Pauses one account: its posts wait, nothing is lost. */
export async function pauseOneAccount(
  deps: AccountDeps,
  caller: Caller,
  id: string,
  reason: string | null,
): Promise<Account> {
  return writeAccount(deps, caller.actor, id, async (trx, before) => {
    await writeAccountPaused(trx, id, reason);
    return {
      audit: {
        action: 'account.paused',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: { paused: true, pausedReason: reason },
      },
    };
  });
}

/** Resumes one account: what waited is delivered. */
export async function resumeOneAccount(deps: AccountDeps, caller: Caller, id: string): Promise<Account> {
  return writeAccount(deps, caller.actor, id, async (trx, before) => {
    await writeAccountResumed(trx, id);
    return {
      audit: {
        action: 'account.resumed',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: { paused: false },
      },
      wake: true,
    };
  });
}

/**
 * Delivery's switch as a whole, in one transaction: paused (with its reason) or resumed,
 * audited with what it was; resuming wakes the dispatchers.
 */
async function switchDelivery(
  deps: AccountDeps,
  caller: Caller,
  pause: { reason: string | null } | null,
): Promise<DeliveryHealth> {
  await deps.db.transaction().execute(async (trx) => {
    const before = await readControl(trx);
    if (pause) await writeDeliveryPaused(trx, pause.reason);
    else await writeDeliveryResumed(trx);
    await appendAudit(trx, [
      {
        actor: caller.actor,
        action: pause ? 'fanout.paused' : 'fanout.resumed',
        entityType: 'fanout',
        entityId: 'all',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: pause ? { paused: true, pausedReason: pause.reason } : { paused: false },
      },
    ]);
    if (!pause) await wakeDispatchers(trx);
  });
  return readDeliveryHealth(deps);
}

/** Pauses delivery for every account at once: posts wait, nothing is lost. */
export async function pauseDelivery(deps: AccountDeps, caller: Caller, reason: string | null): Promise<DeliveryHealth> {
  return switchDelivery(deps, caller, { reason });
}

/** Resumes delivery for every account; accounts paused one by one stay paused. */
export async function resumeDelivery(deps: AccountDeps, caller: Caller): Promise<DeliveryHealth> {
  return switchDelivery(deps, caller, null);
}
