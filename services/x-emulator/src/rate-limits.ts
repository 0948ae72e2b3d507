// X's rate limits per endpoint, per user and per app.
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
