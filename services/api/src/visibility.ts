// The HTTP side of who sees what of an account's things (the rule is the use case
// accountViewer): every read that depends on it asks `viewerOf` and hands the answer to the
// resource's one view function, so no route can forget.
import { accountViewer, type AccountViewer, type View } from '@jcp/use-cases';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { caller, type Principal } from './plugins/auth.js';

export type { View };

export interface Viewer extends AccountViewer {
  principal: Principal | null;
}

/**
 * The caller's view, from `caller(request, 'public')` (a token is checked even where reads
 * are public: a bad one is a 401, not a silent public answer). The answer depends on the
 * Authorization header, so it says so (`Vary`); an answer for a manager or an admin may hold
 * privileged fields, so no cache may keep it (`private, no-store`).
 */
export async function viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<Viewer> {
  const principal = await caller(request, 'public');
  reply.header('vary', 'authorization');
  if (principal && principal.role !== 'reader') reply.header('cache-control', 'private, no-store');
  const viewer = await accountViewer({ db: request.server.db }, principal);
  return { principal, of: (accountId) => viewer.of(accountId), staff: viewer.staff };
}

/** The note every privileged field carries in the OpenAPI document. */
export const MANAGERS_ONLY =
  'Managers of this account (a manager token whose districts or accounts cover it) and admins only; absent for everybody else.';
