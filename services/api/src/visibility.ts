// Who sees what of an account's things. Status is public; what concerns citizens (replies
// to them, their handles), the text of errors and reasons, and worker identities are for
// the account's managers and admins. Every read that depends on it asks `viewerOf` and
// hands the answer to the resource's one view function, so no route can forget.
import { accountsCovered } from '@jcp/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Principal } from './plugins/auth.js';

/**
 * - `public`: anonymous callers and readers (a reader token is not a manager): what the
 *   account published as status posts, and its delivery as states, counts and times.
 * - `privileged`: a manager whose districts or accounts cover the account, or an admin:
 *   also its replies to citizens, the text of errors and pause reasons, and which worker
 *   delivered a post.
 */
export type View = 'public' | 'privileged';

export interface Viewer {
  principal: Principal | null;
  /** The caller's view of one account's things. */
  of(accountId: string): View;
  /** Things of every account at once (the delivery switch's reason): any manager, or an admin. */
  readonly staff: boolean;
}

export const PUBLIC_VIEWER: Viewer = { principal: null, of: () => 'public', staff: false };

/**
 * The caller's view. A token is checked even where reads are public (a bad one is a 401,
 * not a silent public answer). The answer depends on the Authorization header, so it
 * says so (`Vary`); an answer for a manager or an admin may hold privileged fields, so no
 * cache may keep it (`private, no-store`).
 */
export async function viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<Viewer> {
  const principal = request.principal ?? (await authenticate(request));
  request.principal = principal;
  reply.header('vary', 'authorization');
  if (!principal || principal.role === 'reader') return PUBLIC_VIEWER;
  reply.header('cache-control', 'private, no-store');
  if (principal.role === 'admin') return { principal, of: () => 'privileged', staff: true };
  const covered = new Set(await accountsCovered(request.server.db, principal));
  return { principal, of: (accountId) => (covered.has(accountId) ? 'privileged' : 'public'), staff: true };
}

/** The note every privileged field carries in the OpenAPI document. */
export const MANAGERS_ONLY =
  'Managers of this account (a manager token whose districts or accounts cover it) and admins only; absent for everybody else.';
