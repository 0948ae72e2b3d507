import { findActiveToken, hashToken } from '@jcp/db';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { fail } from '@jcp/use-cases';
import { hookList } from './route-hooks.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `false`: never rate limited (health, readiness, metrics). A budget of its own: this
     * route counts each caller address against it alone, whatever the app-wide limit
     * (even when that is off), for a public route that must never be called often.
     */
    rateLimit?: false | RateLimitSettings;
  }
  interface FastifyInstance {
    /**
     * Counts a request without a token against its address's budget, as the hook of every
     * app-wide limited route would: false, counting nothing, when the hook would refuse it
     * (then the request goes to that hook, which counts and refuses it). Always true when
     * rate limiting is off. For the cached reads answered before routing (cached-reads.ts).
     */
    admitByAddress: (address: string, socket: object) => boolean;
  }
}

export interface RateLimitSettings {
  /** Requests per window and caller; 0 turns rate limiting off. */
  max: number;
  windowMs: number;
}

/** How long a token seen to be live keys its own bucket without another lookup. */
const LIVE_TOKEN_TTL_MS = 60_000;
const LIVE_TOKEN_CACHE_MAX = 10_000;
const DEAD_TOKEN_TTL_MS = 10_000;

/**
 * An address as a bucket: IPv4 as it is (IPv4-mapped IPv6 too), IPv6 by its /64, the
 * block one subscriber gets, so that one host cannot dodge the limit by cycling
 * through its own addresses.
 */
export function addressKey(ip: string): string {
  if (!ip.includes(':')) return `ip:${ip}`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1] ?? ip}`;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The address key of a request, remembered per connection: on a keep-alive connection the
 * address seldom changes, and this runs on every request. Checked against the request's
 * address each time (behind a trusted proxy it comes from each request's header).
 */
function connectionAddressKey(): (ip: string, socket: object | null | undefined) => string {
  const keys = new WeakMap<object, { ip: string; key: string }>();
  return (ip, socket) => {
    if (!socket) return addressKey(ip);
    const known = keys.get(socket);
    if (known !== undefined && known.ip === ip) return known.key;
    const key = addressKey(ip);
    keys.set(socket, { ip, key });
    return key;
  };
}

/**
 * The bucket a request counts against: its token's hash when it carries a live
 * token (so that services behind one NAT do not starve each other), else its
 * address. A token is looked up before it gets a bucket of its own: otherwise a
 * caller could dodge the limit by sending a new made-up token with each request.
 * Synchronous unless a token must be looked up (at most once a minute per token).
 */
function callerKey(addressOf: (ip: string, socket: object | null | undefined) => string) {
  const live = new Map<string, number>();
  // Unknown or revoked tokens, remembered briefly, so that a flood of made-up tokens
  // costs no database lookup each.
  const dead = new Map<string, number>();
  return (request: FastifyRequest): string | Promise<string> => {
    const authorization = request.headers.authorization;
    const address = addressOf(request.ip, request.raw.socket);
    if (!authorization) return address;
    const secret = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!secret) return address;
    const hash = hashToken(secret);
    const now = Date.now();
    if ((live.get(hash) ?? 0) > now) return `token:${hash}`;
    if ((dead.get(hash) ?? 0) > now) return address;
    return findActiveToken(request.server.db, secret).then(
      (token) => {
        if (!token) {
          if (dead.size >= LIVE_TOKEN_CACHE_MAX) dead.clear();
          dead.set(hash, now + DEAD_TOKEN_TTL_MS);
          return address;
        }
        if (live.size >= LIVE_TOKEN_CACHE_MAX) live.clear();
        live.set(hash, now + LIVE_TOKEN_TTL_MS);
        return `token:${hash}`;
      },
      (error: unknown) => {
        // The database is down: count by address; the route itself answers 503 if it needs the database.
        request.log.warn({ err: error }, 'rate limit: token lookup failed');
        return address;
      },
    );
  };
}

function describeWindow(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minute(s)` : `${ms / 1000} second(s)`;
}

/**
 * A fixed-window counter: each key may be counted `max` times per window; past that the
 * request is refused with a 429 problem+json (`count`, the routes' hook; `callers` says who
 * counts separately). `admit` counts only a request that is under the limit, for a caller
 * that leaves a refusal to the hook.
 */
function fixedWindow({ max, windowMs }: RateLimitSettings, callers: string) {
  let windowEnds = Date.now() + windowMs;
  let counts = new Map<string, number>();
  const current = (now: number): Map<string, number> => {
    if (now >= windowEnds) {
      windowEnds = now + windowMs;
      counts = new Map();
    }
    return counts;
  };
  /** Counts the key if it is under its limit; false (nothing counted) if it is not. */
  const admit = (key: string): boolean => {
    const counted = current(Date.now());
    const used = counted.get(key) ?? 0;
    if (used >= max) return false;
    counted.set(key, used + 1);
    return true;
  };
  const count = (key: string, reply: FastifyReply, done: (error?: Error) => void): void => {
    const now = Date.now();
    const counted = current(now);
    const used = (counted.get(key) ?? 0) + 1;
    counted.set(key, used);
    if (used <= max) {
      done();
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((windowEnds - now) / 1000));
    reply.header('retry-after', String(retryAfter));
    reply.header('ratelimit-limit', String(max));
    reply.header('ratelimit-remaining', '0');
    reply.header('ratelimit-reset', String(retryAfter));
    done(
      fail(
        'RATE_LIMITED',
        `Too many requests: at most ${max} per ${describeWindow(windowMs)} for ${callers}. Retry in ${retryAfter} second(s).`,
      ),
    );
  };
  return { admit, count };
}

/**
 * Rate limiting for every route declared after it, except those whose config says
 * `rateLimit: false` (health, readiness, metrics); an unknown route (404) is not
 * counted. Fixed windows per instance: each caller may make `max` requests per
 * window. A route whose config gives a budget of its own is counted against that
 * alone, per caller address, even when the app-wide limit is off. A refusal is a 429
 * problem+json through the app's error handler, with Retry-After and the
 * RateLimit-Limit / -Remaining / -Reset headers (on the refusal only: the limit is
 * documented, and three more headers on every answer cost the hot lookup path
 * measurably, see docs/benchmarks.md).
 *
 * Written here rather than taken from @fastify/rate-limit: the same behaviour in a
 * synchronous hook with one Map, which costs the lookup path a tenth of what the
 * general plugin (async hooks, pluggable stores) did.
 */
export default fp<RateLimitSettings>(
  async (app, settings) => {
    let limit: onRequestHookHandler | null = null;
    let admitByAddress = (_address: string, _socket: object): boolean => true;
    if (settings.max > 0) {
      const addressOf = connectionAddressKey();
      const keyOf = callerKey(addressOf);
      const { admit, count } = fixedWindow(settings, 'each token (or, without one, each address)');
      admitByAddress = (address, socket) => admit(addressOf(address, socket));
      limit = (request, reply, done) => {
        const key = keyOf(request);
        if (typeof key === 'string') count(key, reply, done);
        else void key.then((k) => count(k, reply, done));
      };
    }
    app.decorate('admitByAddress', admitByAddress);

    // One counter per budget, so that a GET route and the HEAD route Fastify adds for it share it.
    const ownBudgets = new WeakMap<RateLimitSettings, onRequestHookHandler>();
    app.addHook('onRoute', (route) => {
      const config = route.config?.rateLimit;
      if (config === false) return;
      let hook = limit;
      if (config !== undefined) {
        hook = ownBudgets.get(config) ?? null;
        if (hook === null) {
          const { count } = fixedWindow(config, 'each address');
          hook = (request, reply, done) => count(addressKey(request.ip), reply, done);
          ownBudgets.set(config, hook);
        }
      }
      if (hook === null) return;
      route.onRequest = [hook, ...hookList(route.onRequest)];
    });
  },
  { name: 'rate-limit', dependencies: ['database'] },
);
