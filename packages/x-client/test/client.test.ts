// The client against a real emulator over real HTTP.
import type { AddressInfo } from 'node:net';
import { buildEmulator } from '@jcp/x-emulator';
import t from 'tap';
import {
  checkCredentials,
  classifyXError,
  createXClient,
  findRecentPost,
  postTweet,
  redirectPlugin,
  unescapeXText,
  withXDeadline,
  XCredentials,
  type XErrorClass,
} from '../src/index.js';

interface Test {
  teardown(fn: () => unknown): void;
}
interface Post {
  id: string;
  text: string;
  authorId: string;
  inReplyToTweetId: string | null;
}
const app = { consumerKey: 'app-key', consumerSecret: 'app-secret' };
const alpha = { id: '1001', username: 'JCPAlpha', accessToken: '1001-alpha-token', accessTokenSecret: 'alpha-secret' };
const beta = { id: '1002', username: 'JCPBeta', accessToken: '1002-beta-token', accessTokenSecret: 'beta-secret' };

async function start(t: Test) {
  const emulator = buildEmulator(app);
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => emulator.close());
  const baseUrl = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (res.status >= 300) throw new Error(`control ${method} ${path} failed: ${res.status}`);
    return (await res.json()) as { posts: Post[]; data: { id: string } };
  };
  for (const account of [alpha, beta]) await control('POST', '/_control/accounts', account);
  const client = (account: typeof alpha, appSecret = app.consumerSecret) =>
    createXClient({
      baseUrl,
      appKey: app.consumerKey,
      appSecret,
      accessToken: account.accessToken,
      accessSecret: account.accessTokenSecret,
    });
  const posts = async (account?: string) =>
    (await control('GET', `/_control/posts${account ? `?account=${account}` : ''}`)).posts;
  return { baseUrl, control, client, posts };
}

async function classified(promise: Promise<unknown>, now = new Date()): Promise<XErrorClass> {
  try {
    await promise;
  } catch (error) {
    return classifyXError(error, now);
  }
  throw new Error('expected the call to fail');
}

void t.test('each account posts as itself; replies; me() goes to the emulator too', async (t) => {
  const { client, posts, control } = await start(t);
  const a = await postTweet(client(alpha), 'Alpha office open today');
  const b = await postTweet(client(beta), 'Beta office closed today');
  t.match(a, { id: /^\d+$/ });
  t.not(a.id, b.id);
  t.match(await posts('JCPAlpha'), [
    { id: a.id, text: 'Alpha office open today', authorId: alpha.id, inReplyToTweetId: null },
  ]);
  t.match(await posts('JCPBeta'), [{ id: b.id, text: 'Beta office closed today', authorId: beta.id }]);
  t.equal((await posts('JCPAlpha')).length, 1, 'alpha has only its own post');

  const mention = await control('POST', '/_control/mentions', {
    to: 'JCPAlpha',
    from: { id: '555', username: 'citizen' },
    text: '@JCPAlpha open?',
  });
  const reply = await postTweet(client(alpha), '@citizen yes, open until 5pm', mention.data.id);
  t.match((await posts('JCPAlpha'))[1], { id: reply.id, inReplyToTweetId: mention.data.id, authorId: alpha.id });
  t.equal((await client(beta).v2.me()).data.id, beta.id);

  const creds = new XCredentials({
    appKey: app.consumerKey,
    appSecret: app.consumerSecret,
    accessToken: beta.accessToken,
    accessSecret: beta.accessTokenSecret,
  });
  const viaCreds = createXClient({ baseUrl: (await start(t)).baseUrl, ...creds.reveal() });
  t.match(await viaCreds.v2.me(), { data: { id: beta.id } }, 'credentials object feeds the client');
});

void t.test('wrong secret is permanent; duplicate is already-posted', async (t) => {
  const { client, posts } = await start(t);
  t.match(await classified(postTweet(client(alpha, 'not-the-secret'), 'never stored')), {
    kind: 'permanent',
    reason: /401/,
  });
  t.match(await classified(postTweet(client({ ...alpha, accessTokenSecret: 'wrong' }), 'never stored')), {
    kind: 'permanent',
    reason: /401/,
  });
  await postTweet(client(alpha), 'Closed for snow');
  t.same(await classified(postTweet(client(alpha), 'Closed for snow')), { kind: 'already-posted' });
  t.ok(await postTweet(client(beta), 'Closed for snow'), 'another account may post the same text');
  t.equal((await posts()).length, 2);
  t.match(await classified(postTweet(client(alpha), 'reply to nothing', '999')), {
    kind: 'permanent',
    forbidden: true,
    reason: 'forbidden (HTTP 403): You attempted to reply to a Tweet that is deleted or not visible to you.',
  });
});

void t.test('a 403 for the post, or for the credentials: checkCredentials asks GET /2/users/me', async (t) => {
  const { client, control } = await start(t);
  const question = await control('POST', '/_control/mentions', {
    to: 'JCPAlpha',
    from: { id: '555', username: 'citizen' },
    text: '@JCPAlpha open?',
  });
  await control('DELETE', `/_control/posts/${question.data.id}`);
  const verdict = await classified(postTweet(client(alpha), '@citizen yes, open until 5pm', question.data.id));
  t.match(verdict, {
    kind: 'permanent',
    forbidden: true,
    reason: /^forbidden \(HTTP 403\): You attempted to reply to a Tweet that is deleted or not visible to you\.$/,
  });
  t.notOk((verdict as { credentials?: boolean }).credentials, 'not taken for a credentials problem');
  t.same(
    await checkCredentials(client(alpha)),
    { kind: 'accepted' },
    'X still knows the account: the refusal was about the post',
  );
  t.match(await checkCredentials(client({ ...alpha, accessTokenSecret: 'revoked' })), {
    kind: 'rejected',
    reason: /HTTP 401/,
  });
  await control('POST', '/_control/faults', { kind: 'status', status: 403, path: '/2/users/me' });
  t.match(
    await checkCredentials(client(alpha)),
    { kind: 'rejected', reason: /HTTP 403/ },
    'users/me refused with 403: the credentials',
  );
  await control('POST', '/_control/faults', { kind: 'status', status: 503, path: '/2/users/me' });
  t.match(await checkCredentials(client(alpha)), { kind: 'unknown', reason: /503/ }, 'X could not say');
  await control('POST', '/_control/faults', { kind: 'status', status: 429, path: '/2/users/me' });
  t.match(await checkCredentials(client(alpha)), { kind: 'unknown', reason: /429/ });
});

void t.test('429 → retry not before the reset', async (t) => {
  const { client, control } = await start(t);
  await control('PUT', '/_control/rate-limits', { 'POST /2/tweets': [{ scope: 'user', limit: 1, windowMs: 120_000 }] });
  const before = Date.now();
  await postTweet(client(alpha), 'one');
  const result = await classified(postTweet(client(alpha), 'two'));
  t.equal(result.kind, 'retry');
  const notBefore = (result as { notBefore: Date }).notBefore.getTime();
  t.equal(notBefore % 1000, 0, 'an epoch-second reset, not a backoff');
  t.ok(notBefore >= before + 119_000 && notBefore <= Date.now() + 121_000, `notBefore ${notBefore - before} ms ahead`);

  await control('PUT', '/_control/rate-limits', {
    'POST /2/tweets': [{ scope: 'app', limit: 1, windowMs: 86_400_000 }],
  });
  await postTweet(client(beta), 'beta one');
  const daily = await classified(postTweet(client(alpha), 'three'));
  t.equal(daily.kind, 'retry');
  t.ok((daily as { notBefore: Date }).notBefore.getTime() >= before + 86_399_000, 'the daily app cap reset');
});

void t.test('faults: 503 and drop retry; lostAnswer then retry is already-posted with one post stored', async (t) => {
  const { client, control, posts } = await start(t);
  await control('POST', '/_control/faults', { kind: 'status', status: 503, path: '/2/tweets' });
  const now = new Date();
  const unavailable = await classified(postTweet(client(alpha), 'a'), now);
  t.match(unavailable, { kind: 'retry', reason: /503/ });
  t.ok(
    (unavailable as { notBefore: Date }).notBefore.getTime() - now.getTime() <= 1000,
    'first backoff at most the base',
  );

  await control('POST', '/_control/faults', { kind: 'drop', path: '/2/tweets' });
  t.match(await classified(postTweet(client(alpha), 'dropped')), { kind: 'retry', reason: /network/ });
  t.equal((await posts()).length, 0, 'nothing stored so far');

  await control('POST', '/_control/faults', { kind: 'lostAnswer' });
  t.match(await classified(postTweet(client(alpha), 'lost answer')), { kind: 'retry', reason: /network/ });
  t.same(
    await classified(postTweet(client(alpha), 'lost answer')),
    { kind: 'already-posted' },
    'the retry meets the duplicate rule',
  );
  t.same(
    (await posts()).map((p) => p.text),
    ['lost answer'],
    'exactly one post stored',
  );
});

void t.test(
  'a request has a deadline for the whole of it: an answer that drips in slowly is abandoned at the timeout',
  async (t) => {
    const { baseUrl, control, posts } = await start(t);
    // A byte every 40 ms or so: the socket is never idle for the timeout, the answer takes 5 s.
    await control('POST', '/_control/faults', { kind: 'drip', delayMs: 5_000, method: 'POST', path: '/2/tweets' });
    const client = createXClient({
      baseUrl,
      appKey: app.consumerKey,
      appSecret: app.consumerSecret,
      accessToken: alpha.accessToken,
      accessSecret: alpha.accessTokenSecret,
      timeoutMs: 1_000,
    });
    const started = Date.now();
    const verdict = await classified(postTweet(client, 'a slow answer'));
    const took = Date.now() - started;
    t.ok(took >= 900 && took < 3_000, `abandoned after ${took} ms`);
    t.match(verdict, { kind: 'retry' }, 'not an answer: retried');
    t.same(
      (await posts('JCPAlpha')).map((p) => p.text),
      ['a slow answer'],
      'X had stored it: the retry meets the duplicate rule',
    );
    t.same(await classified(postTweet(client, 'a slow answer')), { kind: 'already-posted' });
    t.ok(await postTweet(client, 'a quick answer'), 'the next request has its own deadline');
  },
);

void t.test("withXDeadline bounds every request of a task, sooner than the request's own timeout", async (t) => {
  const { baseUrl, control } = await start(t);
  const client = createXClient({
    baseUrl,
    appKey: app.consumerKey,
    appSecret: app.consumerSecret,
    accessToken: alpha.accessToken,
    accessSecret: alpha.accessTokenSecret,
    timeoutMs: 20_000,
  });
  await control('POST', '/_control/faults', {
    kind: 'drip',
    delayMs: 5_000,
    method: 'GET',
    path: '/2/users/me',
    count: 2,
  });
  const started = Date.now();
  const first = await classified(withXDeadline(Date.now() + 800, () => client.v2.me()));
  const took = Date.now() - started;
  t.ok(took >= 700 && took < 2_500, `abandoned after ${took} ms, at the task's deadline`);
  t.match(first, { kind: 'retry' });
  // A request begun after the deadline is abandoned at once.
  const late = Date.now();
  t.match(await classified(withXDeadline(Date.now() - 1, () => client.v2.me())), { kind: 'retry' });
  t.ok(Date.now() - late < 1_000, 'at once');
  await control('DELETE', '/_control/faults');
  t.match(
    await withXDeadline(Date.now() + 5_000, () => client.v2.me()),
    { data: { id: alpha.id } },
    'a request in time is answered',
  );
});

void t.test('the redirect plugin rewrites request and stream URLs, keeping path and query', async (t) => {
  const plugin = redirectPlugin('http://127.0.0.1:4100');
  const params = { url: 'https://api.x.com/2/tweets/search/stream?expansions=author_id', method: 'GET' };
  plugin.onBeforeStreamRequestConfig!({ params, client: undefined as never, url: new URL(params.url) });
  t.equal(params.url, 'http://127.0.0.1:4100/2/tweets/search/stream?expansions=author_id');
  const token = { url: 'https://api.x.com/2/oauth2/token', method: 'POST' };
  await plugin.onBeforeRequestConfig!({ params: token, client: undefined as never, url: new URL(token.url) });
  t.equal(token.url, 'http://127.0.0.1:4100/2/oauth2/token');
  t.throws(() => redirectPlugin('ftp://example.com'), { message: /http or https/ });
});

void t.test(
  'findRecentPost recovers the id of a post whose answer was lost; NFC, escaped text; absent → null',
  async (t) => {
    const { client, control, posts } = await start(t);
    const text = 'Swyddfa ar gau: eira & rhew <heddiw> — ŵyr';
    await postTweet(client(alpha), 'an older post');
    await postTweet(client(beta), text);
    await control('POST', '/_control/faults', { kind: 'lostAnswer' });
    t.match(
      await classified(postTweet(client(alpha), text)),
      { kind: 'retry', reason: /network/ },
      'the answer is lost',
    );
    t.same(
      await classified(postTweet(client(alpha), text)),
      { kind: 'already-posted' },
      'the retry meets the duplicate rule',
    );
    await postTweet(client(alpha), 'a newer post');
    const stored = (await posts('JCPAlpha')).find((p) => p.text === text)!;
    t.ok(stored, 'stored once');
    t.same(
      await findRecentPost(client(alpha), alpha.id, text),
      { id: stored.id },
      "alpha's post, not beta's same text",
    );
    t.not(text.normalize('NFD'), text, 'the test text has a composed ŵ');
    t.same(
      await findRecentPost(client(alpha), alpha.id, text.normalize('NFD')),
      { id: stored.id },
      'ŵ decomposed still matches',
    );
    t.equal(await findRecentPost(client(alpha), alpha.id, 'never posted'), null);
    t.equal(
      await findRecentPost(client(alpha), alpha.id, 'Swyddfa ar gau: eira &amp; rhew &lt;heddiw&gt; — ŵyr'),
      null,
      'escaped input is not the same text',
    );
  },
);

void t.test('findRecentPost reads at most maxPages pages of 100 and lets errors propagate', async (t) => {
  const { client, control } = await start(t);
  await control('PUT', '/_control/rate-limits', { 'POST /2/tweets': null });
  const oldest = await postTweet(client(alpha), 'the oldest');
  let newest = oldest;
  for (let i = 0; i < 150; i++) newest = await postTweet(client(alpha), `filler ${i}`);
  t.same(await findRecentPost(client(alpha), alpha.id, 'the oldest'), { id: oldest.id }, 'found on the second page');
  t.equal(await findRecentPost(client(alpha), alpha.id, 'the oldest', { maxPages: 1 }), null, 'not on the first');
  t.same(
    await findRecentPost(client(alpha), alpha.id, 'filler 149', { maxPages: 1 }),
    newest,
    'the newest is on the first',
  );
  await control('POST', '/_control/faults', { kind: 'status', status: 503, path: '/2/users/:id/tweets' });
  t.match(await classified(findRecentPost(client(alpha), alpha.id, 'the oldest')), { kind: 'retry', reason: /503/ });
  t.match(await classified(findRecentPost(client(alpha, 'not-the-secret'), alpha.id, 'the oldest')), {
    kind: 'permanent',
    reason: /401/,
  });
});

void t.test('unescapeXText undoes exactly X escaping of &, < and >, once', async (t) => {
  t.equal(unescapeXText('a &amp; b &lt;c&gt; &quot;d&quot; &amp;lt;'), 'a & b <c> &quot;d&quot; &lt;');
});
