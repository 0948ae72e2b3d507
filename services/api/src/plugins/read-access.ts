import type { RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { problemSchema } from '../schemas.js';
import { requireRole } from './auth.js';
import { hookList } from './route-hooks.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads need no token (READ_ACCESS=public). */
    readsArePublic: boolean;
  }
  interface FastifyContextConfig {
    /** Open to anyone even when reads need a token (health, metrics, docs). */
    public?: boolean;
  }
}

export type ReadAccess = 'public' | 'token';

export interface ReadAccessOptions {
  readAccess: ReadAccess;
  /** Routes under this prefix (the docs UI, whose routes a plugin declares) are public. */
  publicPrefixes?: readonly string[];
}

const READ_METHODS = new Set(['GET', 'HEAD']);

function isRead(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.some((m) => READ_METHODS.has(m.toUpperCase()));
}

/**
 * With `readAccess: 'token'`, every GET and HEAD route declared after this plugin
 * needs a token with at least the reader role, unless its config says `public: true`
 * or it lives under one of `publicPrefixes`. An onRoute hook rather than a list of
 * routes, so that a new read route is covered without anybody remembering to.
 */
export default fp<ReadAccessOptions>(
  async (app, options) => {
    app.decorate('readsArePublic', options.readAccess !== 'token');
    if (options.readAccess !== 'token') return;
    const prefixes = options.publicPrefixes ?? [];
    const readerRequired = requireRole('reader');
    app.addHook('onRoute', (route) => {
      if (!isRead(route) || route.config?.public === true) return;
      if (prefixes.some((p) => route.url === p || route.url.startsWith(`${p}/`))) return;
      // First, so that nothing the route does (not even a 404 for an unknown id) answers an anonymous caller.
      route.preHandler = [readerRequired, ...hookList(route.preHandler)];
      // And the OpenAPI document (/docs/json) says so: a bearer token, and the 401 and 403 it may get.
      if (route.schema) {
        const response = (route.schema.response ?? {}) as Record<string, unknown>;
        route.schema = {
          ...route.schema,
          security: (route.schema as { security?: unknown }).security ?? [{ bearer: [] }],
          response: { 401: problemSchema, 403: problemSchema, ...response },
        } as typeof route.schema;
      }
    });
  },
  { name: 'read-access', dependencies: ['auth'] },
);
