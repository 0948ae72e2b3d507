import { findActiveToken, LAST_USED_RESOLUTION_MS, touchToken, type ApiToken, type Role } from '@jcp/db';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { problemSchema } from '../schemas.js';
import fp from 'fastify-plugin';
import { fail, type Caller } from '@jcp/use-cases';

/** The caller of a request, as the use cases see it. */
export type Principal = Caller;

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
    accountIds: t.account_ids,
    actor: `token:${t.id}:${t.name}`,
  };
}

/** Resolves `Authorization: Bearer <token>` to a principal (null when absent). */
async function authenticate(request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw fail('BAD_AUTHORIZATION', 'Authorization must be "Bearer <token>"');
  const token = await findActiveToken(request.server.db, match[1]);
  if (!token) throw fail('INVALID_TOKEN', 'The token is unknown or revoked');
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

/** A preHandler hook: the caller needs at least `role` (the scopes below and the read-access plugin use it). */
export function requireRole(role: Role) {
  return async (request: FastifyRequest): Promise<void> => {
    // Checks may stack (the read-access one, then a scope's): authenticate once.
    const principal = request.principal ?? (await authenticate(request));
    if (!principal) throw fail('AUTHENTICATION_REQUIRED', 'A bearer token is required', {});
    if (RANK[principal.role] < RANK[role]) throw fail('ROLE_REQUIRED', `This needs the ${role} role`);
    request.principal = principal;
  };
}

/**
 * The routes of one scope (reader, manager or admin): `routes` is registered in a context
 * of its own whose one preHandler hook checks the role, so no route in it can forget the
 * check, and each of its routes is documented as needing a bearer token (401 and 403).
 * Public routes are registered without a scope (the read-access plugin puts reads behind
 * a reader token when READ_ACCESS=token).
 */
export function scope(role: Role, routes: FastifyPluginAsync): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRoute', (route) => {
      if (!route.schema) return;
      const response = (route.schema.response ?? {}) as Record<string, unknown>;
      route.schema = {
        ...route.schema,
        security: (route.schema as { security?: unknown }).security ?? [{ bearer: [] }],
        response: { 401: problemSchema, 403: problemSchema, ...response },
      } as typeof route.schema;
    });
    app.addHook('preHandler', requireRole(role));
    await app.register(routes);
  };
}

/**
 * The caller of a request, the one way a route reads it. In a scope: its principal (a 401 if
 * there is none, which a scope never lets through). On a public route, `caller(request,
 * 'public')`: the principal of the bearer token if one is given, authenticated once (a bad
 * token is a 401, not a silent anonymous answer), or null for an anonymous caller.
 */
export function caller(request: FastifyRequest): Principal;
export function caller(request: FastifyRequest, access: 'public'): Promise<Principal | null>;
export function caller(request: FastifyRequest, access?: 'public'): Principal | Promise<Principal | null> {
  if (access === 'public') return publicCaller(request);
  if (!request.principal) throw fail('AUTHENTICATION_REQUIRED', 'A bearer token is required');
  return request.principal;
}

async function publicCaller(request: FastifyRequest): Promise<Principal | null> {
  request.principal ??= await authenticate(request);
  return request.principal;
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
