import t from 'tap';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import { backoffDelay, BACKOFF_CAP_MS, classifyXError } from '../src/index.js';

void t.test('backoff: full jitter within [0, min(cap, base * 2^attempt))', async (t) => {
  t.equal(backoffDelay(0, () => 0), 0);
  t.equal(backoffDelay(0, () => 0.5), 500);
  t.equal(backoffDelay(3, () => 0.5), 4000);
  t.equal(backoffDelay(3, () => 0.999999), 7999);
  t.equal(backoffDelay(100, () => 0.5), BACKOFF_CAP_MS / 2, 'capped');
  t.equal(backoffDelay(1e9, () => 0.9999999), BACKOFF_CAP_MS - 1, 'huge attempt stays finite and under the cap');
  t.equal(backoffDelay(-1, () => 0.5), 500, 'negative attempt treated as 0');
  t.equal(backoffDelay(2, () => 1), 3999, 'random() = 1 still below the ceiling');
  for (let attempt = 0; attempt < 30; attempt++) {
    for (const r of [0, 0.1, 0.5, 0.9, 0.999]) {
      const d = backoffDelay(attempt, () => r);
      t.ok(d >= 0 && d < Math.min(BACKOFF_CAP_MS, 1000 * 2 ** attempt), `attempt ${attempt} r ${r}: ${d}`);
    }
  }
  const samples = Array.from({ length: 200 }, () => backoffDelay(5));
  t.ok(new Set(samples).size > 100, 'default random jitters');
});

const now = new Date('2026-03-01T10:00:00Z');
const responseError = (code: number, data: unknown, headers: Record<string, string> = {}, rateLimit?: { limit: number; remaining: number; reset: number }) =>
  new ApiResponseError(`Request failed with code ${code}`, { code, data: data as never, headers, request: {} as never, response: {} as never, ...(rateLimit ? { rateLimit } : {}) });

void t.test('classification of synthetic errors', async (t) => {
  const reset = now.getTime() / 1000 + 600;
  t.same(classifyXError(responseError(429, {}, {}, { limit: 100, remaining: 0, reset }), now), { kind: 'retry', notBefore: new Date(reset * 1000), reason: 'rate limited (HTTP 429) until reset', rateLimit: 'account' });
  t.same((classifyXError(responseError(429, {}, { 'x-rate-limit-reset': String(reset) }), now) as { notBefore: Date }).notBefore, new Date(reset * 1000), 'from the header');
  const daily = reset + 50_000;
  t.same((classifyXError(responseError(429, {}, { 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': String(daily) }, { limit: 100, remaining: 50, reset }), now) as { notBefore: Date }).notBefore,
    new Date(daily * 1000), 'the exhausted daily cap wins');
  t.match(classifyXError(responseError(429, {}, { 'x-rate-limit-reset': String(reset) }), now), { rateLimit: 'account' }, "the account's limit");
  t.match(classifyXError(responseError(429, {}, { 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': String(reset) }), now), { rateLimit: 'app' }, "the app's daily cap");
  t.equal((classifyXError(responseError(503, {}), now) as { rateLimit?: string }).rateLimit, undefined, 'a 5xx is not a rate limit');
  t.match(classifyXError(responseError(401, {}), now), { kind: 'permanent', credentials: true });
  t.match(classifyXError(responseError(403, { detail: 'You are not permitted to perform this action.' }), now), { kind: 'permanent', credentials: true });
  t.equal((classifyXError(responseError(400, {}), now) as { credentials?: boolean }).credentials, undefined, 'a refused post is not a credentials problem');
  const noReset = classifyXError(responseError(429, {}), now, { attempt: 2, random: () => 0.5 });
  t.same(noReset, { kind: 'retry', notBefore: new Date(now.getTime() + 2000), reason: 'rate limited (HTTP 429)', rateLimit: 'account' }, 'backoff when no reset is known');
  const pastReset = classifyXError(responseError(429, {}, {}, { limit: 1, remaining: 0, reset: now.getTime() / 1000 - 5 }), now, { random: () => 0.5 });
  t.same((pastReset as { notBefore: Date }).notBefore, new Date(now.getTime() + 500), 'a reset in the past falls back to backoff');

  t.same(classifyXError(responseError(403, { detail: 'You are not allowed to create a Tweet with duplicate content.' }), now), { kind: 'already-posted' });
  t.same(classifyXError(responseError(403, { errors: [{ code: 187, message: 'Status is a duplicate.' }] }), now), { kind: 'already-posted' });
  t.match(classifyXError(responseError(403, { detail: 'You are not permitted to perform this action.' }), now), { kind: 'permanent', reason: /403/ });
  for (const code of [400, 401, 404, 422]) t.match(classifyXError(responseError(code, {}), now), { kind: 'permanent', reason: new RegExp(String(code)) });
  for (const code of [500, 502, 503, 504]) {
    t.same(classifyXError(responseError(code, {}), now, { attempt: 1, random: () => 0.25 }), { kind: 'retry', notBefore: new Date(now.getTime() + 500), reason: `X server error (HTTP ${code})` });
  }
  t.match(classifyXError(new ApiRequestError('socket hang up', { request: {} as never, error: new Error('x') }), now), { kind: 'retry', reason: /network/ });
  t.match(classifyXError(new ApiPartialResponseError('bad json', { request: {} as never, response: {} as never, rawContent: '{', responseError: new Error('x') }), now), { kind: 'retry' });
  t.match(classifyXError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), now), { kind: 'retry' });
  // Anything that is not X's answer never drops the post: retried with backoff.
  t.match(classifyXError(new TypeError('Protocol "http:" not supported'), now), { kind: 'retry', reason: /TypeError/ });
  t.match(classifyXError(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }), now), { kind: 'retry' });
  t.match(classifyXError('a string', now), { kind: 'retry' });
  t.match(classifyXError(responseError(503, {}), now.getTime(), { random: () => 0 }), { kind: 'retry', notBefore: now }, 'now as epoch ms');
});
