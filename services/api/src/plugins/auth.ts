import { findActiveToken, LAST_USED_RESOLUTION_MS, touchToken, type ApiToken, type Role } from '@jcp/db';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../errors.js';

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  districtCodes: readonly string[];
  clusterIds: readonly string[];
  /** How the audit log names this caller. */
  actor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** `last_used_at` writes still running (awaited when the app closes). */
    pendingTokenTouches: Set<Promise<void>>;
  }
}

const RANK: Record<Role, number> = { reader: 0, manager: 1, admin: 2 };

function toPrincipal(t: ApiToken): Principal {
  return {
    tokenId: t.id,
    name: t.name,
    role: t.role,
    districtCodes: t.district_codes,
    clusterIds: t.cluster_ids,
    actor: `token:${t.id}:${t.name}`,
  };
}

/** Resolves `Authorization: Bearer <token>` to a principal (null when absent). */
export async function authenticate(request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new HttpProblem(401, 'BAD_AUTHORIZATION', 'Authorization must be "Bearer <token>"');
  const token = await findActiveToken(request.server.db, match[1]);
  if (!token) throw new HttpProblem(401, 'INVALID_TOKEN', 'The token is unknown or revoked');
  recordUse(request, token);
  return toPrincipal(token);
}

/**
 * Sets the token's `last_used_at` without delaying the request: skipped when the row
 * just read was used less than a minute ago (so most requests write nothing), never
 * awaited, and a failure is only logged.
 */
function recordUse(request: FastifyRequest, token: ApiToken): void {
  if (token.last_used_at && Date.now() - token.last_used_at.getTime() < LAST_USED_RESOLUTION_MS) return;
  const pending = request.server.pendingTokenTouches;
  const touch: Promise<void> = touchToken(request.server.db, token.id)
    .then(
      () => undefined,
      (err: unknown) => request.log.warn({ err, tokenId: token.id }, 'could not record when the token was last used'),
    )
    .finally(() => pending.delete(touch));
  pending.add(touch);
}

/** A preHandler hook for a protected subtree: the caller needs at least `role`. */
export function requireRole(role: Role) {
  return async (request: FastifyRequest): Promise<void> => {
    // A route may stack checks (the read-access one, then its own): authenticate once.
    const principal = request.principal ?? (await authenticate(request));
    if (!principal) throw new HttpProblem(401, 'AUTHENTICATION_REQUIRED', 'A bearer token is required', {});
    if (RANK[principal.role] < RANK[role]) throw new HttpProblem(403, 'ROLE_REQUIRED', `This needs the ${role} role`);
    request.principal = principal;
  };
}

/** Whether a principal may act on an office (admins on every office). */
export function covers(principal: Principal, office: { district_code: string; cluster_id: string }): boolean {
  return (
    principal.role === 'admin' ||
    principal.districtCodes.includes(office.district_code) ||
    principal.clusterIds.includes(office.cluster_id)
  );
}

export default fp(
  async (app) => {
    app.decorateRequest('principal', null);
    app.decorate('pendingTokenTouches', new Set<Promise<void>>());
    app.addHook('onClose', async () => {
      await Promise.allSettled([...app.pendingTokenTouches]);
    });
  },
  { name: 'auth', dependencies: ['database'] },
);
