import rateLimit from '@fastify/rate-limit';
import { findActiveToken, hashToken } from '@jcp/db';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../errors.js';

export interface RateLimitSettings {
  /** Requests per window and caller; 0 turns rate limiting off. */
  max: number;
  windowMs: number;
}

/** How long a token seen to be live keys its own bucket without another lookup. */
const LIVE_TOKEN_TTL_MS = 60_000;
const LIVE_TOKEN_CACHE_MAX = 10_000;

/**
 * The bucket a request counts against: its token's hash when it carries a live
 * token (so that services behind one NAT do not starve each other), else its
 * address. A token is looked up before it gets a bucket of its own: otherwise a
 * caller could dodge the limit by sending a new made-up token with each request.
 */
function callerKey() {
  const live = new Map<string, number>();
  return async (request: FastifyRequest): Promise<string> => {
    const address = `ip:${rateLimit.normalizeIP(request.ip)}`;
    const secret = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!secret) return address;
    const hash = hashToken(secret);
    const now = Date.now();
    if ((live.get(hash) ?? 0) > now) return `token:${hash}`;
    try {
      if (!(await findActiveToken(request.server.db, secret))) return address;
    } catch (error) {
      // The database is down: count by address; the route itself answers 503 if it needs the database.
      request.log.warn({ err: error }, 'rate limit: token lookup failed');
      return address;
    }
    if (live.size >= LIVE_TOKEN_CACHE_MAX) live.clear();
    live.set(hash, now + LIVE_TOKEN_TTL_MS);
    return `token:${hash}`;
  };
}

function describeWindow(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minute(s)` : `${ms / 1000} second(s)`;
}

/**
 * Rate limiting for every route declared after it, except those whose config says
 * `rateLimit: false` (health, readiness, metrics). A refusal is a 429
 * problem+json through the app's error handler, with Retry-After and the
 * RateLimit-Limit / -Remaining / -Reset headers (every allowed response has the latter three too).
 */
export default fp<RateLimitSettings>(
  async (app, settings) => {
    if (settings.max <= 0) return;
    await app.register(rateLimit, {
      global: true,
      max: settings.max,
      timeWindow: settings.windowMs,
      enableDraftSpec: true,
      keyGenerator: callerKey(),
      // Thrown by the plugin, so the error handler turns it into problem+json like every other error.
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(
          429,
          'RATE_LIMITED',
          `Too many requests: at most ${context.max} per ${describeWindow(settings.windowMs)} for each token (or, without one, each address). Retry in ${context.after}.`,
        ),
    });
  },
  { name: 'rate-limit', dependencies: ['database'] },
);
