import {
  accountExists,
  fanoutForOffice,
  officeExists,
  postsForAccount,
  postsForChange,
  type ChangeFanout,
  type PostState,
  type PostView,
} from '@jcp/db';
import { fail } from '../problems.js';
import { accountNotFound, type AccountDeps } from './deps.js';

/**
 * A page of an account's posts, newest first. Without `withReplies` the replies to citizens
 * are left out in the query (absent, not blanked, and the page still full).
 */
export async function readAccountPosts(
  deps: Pick<AccountDeps, 'db'>,
  id: string,
  page: { limit: number; state?: PostState | undefined; before?: string | undefined; withReplies: boolean },
): Promise<{ posts: PostView[]; next: string | null }> {
  if (!(await accountExists(deps.db, id))) throw accountNotFound(id);
  const posts = await postsForAccount(deps.db, id, {
    limit: page.limit,
    ...(page.state ? { state: page.state } : {}),
    ...(page.before ? { before: page.before } : {}),
    ...(page.withReplies ? {} : { kind: 'status' as const }),
  });
  return { posts, next: posts.length === page.limit ? (posts.at(-1)?.id ?? null) : null };
}

/** What the fan-out made of an office's recent status changes, newest first. */
export async function readOfficeFanout(
  deps: Pick<AccountDeps, 'db'>,
  officeId: string,
  limit: number,
): Promise<ChangeFanout[]> {
  if (!(await officeExists(deps.db, officeId))) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
  return fanoutForOffice(deps.db, officeId, { limit });
}

/** What the fan-out made of one status change. */
export async function readChangeFanout(deps: Pick<AccountDeps, 'db'>, seq: string): Promise<ChangeFanout> {
  const change = await postsForChange(deps.db, seq);
  if (!change) throw fail('CHANGE_NOT_FOUND', `No change ${seq}`);
  return change;
}
