import { deliveryHealth, type DeliveryHealth } from '@jcp/db';
import { budgets, type AccountDeps } from './deps.js';

export type { DeliveryHealth };

/** Delivery to X as a whole: paused or not, the app budget, what waits, what failed, which accounts have errors. */
export async function readDeliveryHealth(deps: AccountDeps): Promise<DeliveryHealth> {
  return deliveryHealth(deps.db, budgets(deps));
}
