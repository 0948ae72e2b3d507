// X's rate limits per endpoint, per user and per app, and the headers that tell them.
import type { FastifyReply } from 'fastify';
import type { Account } from './model.js';
import type { EmulatorStore } from './store.js';

export type EndpointKey =
  | 'POST /2/tweets'
  | 'GET /2/users/me'
  | 'GET /2/users/:id/mentions'
  | 'GET /2/users/:id/tweets'
  | 'GET /2/tweets/search/recent';
export interface RateRule {
  scope: 'user' | 'app';
  limit: number;
  windowMs: number;
}

export const MIN15 = 15 * 60_000;
export const DAY = 24 * 60 * 60_000;
export const defaultRateLimits: Record<EndpointKey, RateRule[] | null> = {
  'POST /2/tweets': [
    { scope: 'user', limit: 100, windowMs: MIN15 },
    // Not binding beyond the 15-minute rule; present so the x-user-limit-24hour-* headers exist.
    { scope: 'user', limit: 9600, windowMs: DAY },
    { scope: 'app', limit: 10_000, windowMs: DAY },
  ],
  'GET /2/users/:id/mentions': [
    { scope: 'user', limit: 300, windowMs: MIN15 },
    { scope: 'app', limit: 450, windowMs: MIN15 },
  ],
  'GET /2/users/:id/tweets': [
    { scope: 'user', limit: 900, windowMs: MIN15 },
    { scope: 'app', limit: 1500, windowMs: MIN15 },
  ],
  'GET /2/tweets/search/recent': [{ scope: 'app', limit: 450, windowMs: MIN15 }],
  'GET /2/users/me': [{ scope: 'user', limit: 75, windowMs: MIN15 }],
};

/** Counts the request against each rule of `key` and sets X's headers; false when a limit is reached. */
export function applyRateLimit(store: EmulatorStore, key: string, account: Account, reply: FastifyReply): boolean {
  const rules = store.limits[key];
  if (!rules?.length) return true;
  const t = store.now();
  const states = rules.map((rule) => {
    const k = `${key}|${rule.scope}|${rule.windowMs}|${rule.scope === 'user' ? account.id : ''}`;
    let c = store.counters.get(k);
    if (!c || c.resetAt <= t) {
      c = { count: 0, resetAt: t + rule.windowMs };
      store.counters.set(k, c);
    }
    return { rule, c };
  });
  const ok = states.every(({ rule, c }) => c.count < rule.limit);
  if (ok) for (const s of states) s.c.count += 1;
  let short: { limit: number; remaining: number; reset: number } | undefined;
  for (const { rule, c } of states) {
    const h = { limit: rule.limit, remaining: Math.max(0, rule.limit - c.count), reset: Math.ceil(c.resetAt / 1000) };
    if (rule.windowMs >= DAY) {
      const prefix = rule.scope === 'app' ? 'x-app-limit-24hour' : 'x-user-limit-24hour';
      reply
        .header(`${prefix}-limit`, h.limit)
        .header(`${prefix}-remaining`, h.remaining)
        .header(`${prefix}-reset`, h.reset);
    } else if (!short || h.remaining < short.remaining) short = h;
  }
  if (short)
    reply
      .header('x-rate-limit-limit', short.limit)
      .header('x-rate-limit-remaining', short.remaining)
      .header('x-rate-limit-reset', short.reset);
  return ok;
}
