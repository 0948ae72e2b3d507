import { findActiveToken, type ApiToken, type Role } from '@jcp/db';
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
}

const RANK: Record<Role, number> = { reader: 0, manager: 1, admin: 2 };

function toPrincipal(t: ApiToken): Principal {
  return { tokenId: t.id, name: t.name, role: t.role, districtCodes: t.district_codes, clusterIds: t.cluster_ids, actor: `token:${t.id}:${t.name}` };
}

/** Resolves `Authorization: Bearer <token>` to a principal (null when absent). */
export async function authenticate(request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new HttpProblem(401, 'BAD_AUTHORIZATION', 'Authorization must be "Bearer <token>"');
  const token = await findActiveToken(request.server.db, match[1]);
  if (!token) throw new HttpProblem(401, 'INVALID_TOKEN', 'The token is unknown or revoked');
  return toPrincipal(token);
}

/** A preHandler hook for a protected subtree: the caller needs at least `role`. */
export function requireRole(role: Role) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticate(request);
    if (!principal) throw new HttpProblem(401, 'AUTHENTICATION_REQUIRED', 'A bearer token is required', {});
    if (RANK[principal.role] < RANK[role]) throw new HttpProblem(403, 'ROLE_REQUIRED', `This needs the ${role} role`);
    request.principal = principal;
  };
}

/** Whether a principal may act on an office (admins on every office). */
export function covers(principal: Principal, office: { district_code: string; cluster_id: string }): boolean {
  return principal.role === 'admin' || principal.districtCodes.includes(office.district_code) || principal.clusterIds.includes(office.cluster_id);
}

export default fp(
  async (app) => {
    app.decorateRequest('principal', null);
  },
  { name: 'auth', dependencies: ['database'] },
);
