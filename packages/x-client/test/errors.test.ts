import t from 'tap';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import { backoffDelay, BACKOFF_CAP_MS, classifyXError, xRefusalText, X_REASON_MAX_LENGTH } from '../src/index.js';

void t.test('backoff: full jitter within [0, min(cap, base * 2^attempt))', async (t) => {
  t.equal(
    backoffDelay(0, () => 0),
    0,
  );
  t.equal(
    backoffDelay(0, () => 0.5),
    500,
  );
  t.equal(
    backoffDelay(3, () => 0.5),
    4000,
  );
  t.equal(
    backoffDelay(3, () => 0.999999),
    7999,
  );
  t.equal(
    backoffDelay(100, () => 0.5),
    BACKOFF_CAP_MS / 2,
    'capped',
  );
  t.equal(
    backoffDelay(1e9, () => 0.9999999),
    BACKOFF_CAP_MS - 1,
    'huge attempt stays finite and under the cap',
  );
  t.equal(
    backoffDelay(-1, () => 0.5),
    500,
    'negative attempt treated as 0',
  );
  t.equal(
    backoffDelay(2, () => 1),
    3999,
    'random() = 1 still below the ceiling',
  );
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
const responseError = (
  code: number,
  data: unknown,
  headers: Record<string, string> = {},
  rateLimit?: { limit: number; remaining: number; reset: number },
) =>
  new ApiResponseError(`Request failed with code ${code}`, {
    code,
    data: data as never,
    headers,
    request: {} as never,
    response: {} as never,
    ...(rateLimit ? { rateLimit } : {}),
  });

void t.test('classification of synthetic errors', async (t) => {
  const reset = now.getTime() / 1000 + 600;
  t.same(classifyXError(responseError(429, {}, {}, { limit: 100, remaining: 0, reset }), now), {
    kind: 'retry',
    notBefore: new Date(reset * 1000),
    reason: 'rate limited (HTTP 429) until reset',
    rateLimit: 'account',
  });
  t.same(
    (classifyXError(responseError(429, {}, { 'x-rate-limit-reset': String(reset) }), now) as { notBefore: Date })
      .notBefore,
    new Date(reset * 1000),
    'from the header',
  );
  const daily = reset + 50_000;
  t.same(
    (
      classifyXError(
        responseError(
          429,
          {},
          { 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': String(daily) },
          { limit: 100, remaining: 50, reset },
        ),
        now,
      ) as { notBefore: Date }
    ).notBefore,
    new Date(daily * 1000),
    'the exhausted daily cap wins',
  );
  t.match(
    classifyXError(responseError(429, {}, { 'x-rate-limit-reset': String(reset) }), now),
    { rateLimit: 'account' },
    "the account's limit",
  );
  t.match(
    classifyXError(
      responseError(429, {}, { 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': String(reset) }),
      now,
    ),
    { rateLimit: 'app' },
    "the app's daily cap",
  );
  t.equal(
    (classifyXError(responseError(503, {}), now) as { rateLimit?: string }).rateLimit,
    undefined,
    'a 5xx is not a rate limit',
  );
  t.match(classifyXError(responseError(401, {}), now), { kind: 'permanent', credentials: true });
  t.match(
    classifyXError(responseError(403, { detail: 'You are not permitted to perform this action.' }), now),
    { kind: 'permanent', forbidden: true },
    'a 403: for the post or the account (users/me tells)',
  );
  t.equal(
    (
      classifyXError(responseError(403, { detail: 'You are not permitted to perform this action.' }), now) as {
        credentials?: boolean;
      }
    ).credentials,
    undefined,
    'never taken for a credentials problem by itself',
  );
  for (const type of ['client-forbidden', 'oauth1-permissions', 'unsupported-authentication']) {
    t.match(
      classifyXError(
        responseError(403, {
          title: 'Forbidden',
          detail: 'Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.',
          type: `https://api.twitter.com/2/problems/${type}`,
        }),
        now,
      ),
      { kind: 'permanent', credentials: true, reason: /^forbidden \(HTTP 403\): the app or token may not post/ },
      `${type}: the app or token, not the post`,
    );
  }
  t.equal(
    (classifyXError(responseError(400, {}), now) as { credentials?: boolean }).credentials,
    undefined,
    'a refused post is not a credentials problem',
  );
  const noReset = classifyXError(responseError(429, {}), now, { attempt: 2, random: () => 0.5 });
  t.same(
    noReset,
    {
      kind: 'retry',
      notBefore: new Date(now.getTime() + 2000),
      reason: 'rate limited (HTTP 429)',
      rateLimit: 'account',
    },
    'backoff when no reset is known',
  );
  const pastReset = classifyXError(
    responseError(429, {}, {}, { limit: 1, remaining: 0, reset: now.getTime() / 1000 - 5 }),
    now,
    { random: () => 0.5 },
  );
  t.same(
    (pastReset as { notBefore: Date }).notBefore,
    new Date(now.getTime() + 500),
    'a reset in the past falls back to backoff',
  );

  t.same(
    classifyXError(
      responseError(403, { detail: 'You are not allowed to create a Tweet with duplicate content.' }),
      now,
    ),
    { kind: 'already-posted' },
  );
  t.same(classifyXError(responseError(403, { errors: [{ code: 187, message: 'Status is a duplicate.' }] }), now), {
    kind: 'already-posted',
  });
  t.match(classifyXError(responseError(403, { detail: 'You are not permitted to perform this action.' }), now), {
    kind: 'permanent',
    reason: /403/,
  });
  const deletedReply = {
    detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
  };
  t.same(classifyXError(responseError(403, deletedReply), now), {
    kind: 'permanent',
    reason: 'forbidden (HTTP 403): You attempted to reply to a Tweet that is deleted or not visible to you.',
    forbidden: true,
  });
  const restricted = {
    detail:
      'Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.',
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
  };
  t.same(classifyXError(responseError(403, restricted), now), {
    kind: 'permanent',
    reason: `forbidden (HTTP 403): ${restricted.detail}`,
    forbidden: true,
  });
  t.same(
    classifyXError(responseError(403, { title: 'Forbidden' }), now),
    { kind: 'permanent', reason: 'forbidden (HTTP 403): Forbidden', forbidden: true },
    'the title when there is no detail',
  );
  t.same(
    classifyXError(responseError(403, undefined), now),
    { kind: 'permanent', reason: 'forbidden (HTTP 403)', forbidden: true },
    'no words at all',
  );
  for (const code of [400, 401, 404, 422])
    t.match(classifyXError(responseError(code, {}), now), { kind: 'permanent', reason: new RegExp(String(code)) });
  for (const code of [500, 502, 503, 504]) {
    t.same(classifyXError(responseError(code, {}), now, { attempt: 1, random: () => 0.25 }), {
      kind: 'retry',
      notBefore: new Date(now.getTime() + 500),
      reason: `X server error (HTTP ${code})`,
    });
  }
  t.match(classifyXError(new ApiRequestError('socket hang up', { request: {} as never, error: new Error('x') }), now), {
    kind: 'retry',
    reason: /network/,
  });
  t.match(
    classifyXError(
      new ApiPartialResponseError('bad json', {
        request: {} as never,
        response: {} as never,
        rawContent: '{',
        responseError: new Error('x'),
      }),
      now,
    ),
    { kind: 'retry' },
  );
  t.match(classifyXError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), now), { kind: 'retry' });
  // Anything that is not X's answer never drops the post: retried with backoff.
  t.match(classifyXError(new TypeError('Protocol "http:" not supported'), now), { kind: 'retry', reason: /TypeError/ });
  t.match(classifyXError(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }), now), {
    kind: 'retry',
  });
  t.match(classifyXError('a string', now), { kind: 'retry' });
  t.match(
    classifyXError(responseError(503, {}), now.getTime(), { random: () => 0 }),
    { kind: 'retry', notBefore: now },
    'now as epoch ms',
  );
});

void t.test(
  "xRefusalText: X's words made safe to keep: no control or format characters, no @handles, no post text, bounded",
  async (t) => {
    const cases: [data: unknown, text: string | undefined, expected: string, why: string][] = [
      [
        { detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.' },
        undefined,
        'You attempted to reply to a Tweet that is deleted or not visible to you.',
        'as X says it',
      ],
      [{ title: 'Forbidden', detail: '  ' }, undefined, 'Forbidden', 'a blank detail: the title'],
      [
        { errors: [{ message: 'Status is over 280 characters.' }] },
        undefined,
        'Status is over 280 characters.',
        'a v1-style error',
      ],
      [
        { detail: 'line one\nline two\u2028three\u202Eevil\u0000' },
        undefined,
        'line one line two three evil',
        'breaks, bidi and control characters become spaces',
      ],
      [
        { detail: 'You may not reply to @snowedin_sam here' },
        undefined,
        'You may not reply to @… here',
        'a handle X names is elided',
      ],
      [
        { detail: 'Refused: @snowedin_sam Thanks for asking. Carlisle is closed.' },
        '@snowedin_sam Thanks for asking. Carlisle is closed.',
        '',
        'X quoting the post: nothing of it is kept',
      ],
      [{ detail: 42, title: ['x'] }, undefined, '', 'no words'],
      [null, undefined, '', 'no body'],
      ['Forbidden', undefined, '', 'a body that is not a problem'],
    ];
    for (const [data, text, expected, why] of cases) t.equal(xRefusalText(data, text), expected, why);
    const long = xRefusalText({ detail: 'word '.repeat(10_000) });
    t.equal([...long].length, X_REASON_MAX_LENGTH, 'cut');
    t.ok(long.endsWith('…'));
    t.equal(
      [...xRefusalText({ detail: '🌨'.repeat(500) })].length,
      X_REASON_MAX_LENGTH,
      'by characters, not UTF-16 units',
    );
    t.notMatch(
      classifyXError(
        responseError(403, { detail: 'Refused: @snowedin_sam Thanks for asking. Carlisle is closed.' }),
        now,
        { text: '@snowedin_sam Thanks for asking. Carlisle is closed.' },
      ),
      { reason: /Carlisle|snowedin/ },
      'the classifier is given the text to keep out',
    );
  },
);
