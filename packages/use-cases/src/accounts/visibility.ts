import { accountsCovered } from '@jcp/db';
import type { Caller } from '../caller.js';
import type { AccountDeps } from './deps.js';

/**
 * Who sees what of an account's things. Status is public; what concerns citizens (replies to
 * them, their handles), the text of errors and reasons, and worker identities are for the
 * account's managers and admins.
 * - `public`: anonymous callers and readers (a reader token is not a manager): what the
 *   account published as status posts, and its delivery as states, counts and times.
 * - `privileged`: a manager whose districts or accounts cover the account, or an admin:
 *   also its replies to citizens, the text of errors and pause reasons, and which worker
 *   delivered a post.
 */
export type View = 'public' | 'privileged';

export interface AccountViewer {
  /** The caller's view of one account's things. */
  of(accountId: string): View;
  /** Things of every account at once (the delivery switch's reason): any manager, or an admin. */
  readonly staff: boolean;
}

export const PUBLIC_VIEWER: AccountViewer = { of: () => 'public', staff: false };

/** The views a caller (null: anonymous) gets of the accounts' things. */
export async function accountViewer(deps: Pick<AccountDeps, 'db'>, caller: Caller | null): Promise<AccountViewer> {
  if (!caller || caller.role === 'reader') return PUBLIC_VIEWER;
  if (caller.role === 'admin') return { of: () => 'privileged', staff: true };
  const covered = new Set(await accountsCovered(deps.db, caller));
  return { of: (accountId) => (covered.has(accountId) ? 'privileged' : 'public'), staff: true };
}
