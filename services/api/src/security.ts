import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Security headers for every response. The API answers JSON only, so nothing it
 * serves may load anything or be framed; the docs UI replaces the
 * Content-Security-Policy on its own routes (`staticCSP` of @fastify/swagger-ui).
 */
export const helmetOptions: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
};

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: Error) => void) => void;

// The router's own errors (a malformed URL, a too long parameter) are answered before
// any hook runs, so @fastify/helmet's onRequest hook never sees them. They get the same
// headers from the same helmet, the one @fastify/helmet depends on.
const requireFromPlugin = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'));
const helmet = requireFromPlugin('helmet') as (options: FastifyHelmetOptions) => Middleware;
const applyHelmet = helmet(helmetOptions);

export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  applyHelmet(req, res, (error) => {
    if (error) throw error;
  });
}
