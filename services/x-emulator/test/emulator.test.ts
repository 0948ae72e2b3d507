// Every call goes through the real twitter-api-v2 client over real HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ApiRequestError, ApiResponseError, TwitterApi, type ITwitterApiClientPlugin } from 'twitter-api-v2';
import { buildEmulator, type EmulatorOptions } from '../src/index.js';

interface Test {
  teardown(fn: () => unknown): void;
}
interface ControlBody {
  posts: { id: string; text: string; inReplyToTweetId: string | null }[];
  data: { id: string };
  status: string;
}
const app = { consumerKey: 'app-key', consumerSecret: 'app-secret' };
const alpha = {
  id: '1001',
  username: 'JCPAlpha',
  name: 'JCP Alpha',
  accessToken: '1001-alpha-token',
  accessTokenSecret: 'alpha-secret',
};
const beta = {
  id: '1002',
  username: 'JCPBeta',
  name: 'JCP Beta',
  accessToken: '1002-beta-token',
  accessTokenSecret: 'beta-secret',
};
const citizen = { id: '555', username: 'citizen' };

async function start(t: Test, extra: Partial<EmulatorOptions> = {}) {
  const emulator = buildEmulator({ ...app, ...extra });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => emulator.close());
  const origin = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${origin}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: res.status, body: (await res.json()) as ControlBody };
  };
  for (const account of [alpha, beta]) {
    const res = await control('POST', '/_control/accounts', account);
    if (res.status !== 201) throw new Error(`account registration failed: ${res.status}`);
  }
  const redirect: ITwitterApiClientPlugin = {
    onBeforeRequestConfig({ params }) {
      const url = new URL(params.url);
      const target = new URL(origin);
      url.protocol = target.protocol;
      url.host = target.host;
      params.url = url.toString();
    },
  };
  const client = (account: { accessToken: string; accessTokenSecret: string }, appSecret = app.consumerSecret) =>
    new TwitterApi(
      { appKey: app.consumerKey, appSecret, accessToken: account.accessToken, accessSecret: account.accessTokenSecret },
      { plugins: [redirect], httpAgent: new http.Agent() },
    ).v2;
  return { emulator, origin, control, client };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

void t.test('posts are attributed to the account whose token signed them; a bad signature is 401', async (t) => {
  const { client, control } = await start(t);
  const posted = await client(alpha).tweet('Alpha office open today');
  t.match(posted.data, { id: /^\d+$/, text: 'Alpha office open today' });
  t.same((posted.data as { edit_history_tweet_ids?: string[] }).edit_history_tweet_ids, [posted.data.id]);
  const second = await client(beta).tweet('Beta office closed today');
  t.ok(BigInt(second.data.id) > BigInt(posted.data.id), 'ids increase');
  t.same(
    (await control('GET', '/_control/posts?account=1001')).body.posts.map((p) => p.text),
    ['Alpha office open today'],
  );
  t.same(
    (await control('GET', '/_control/posts?account=jcpbeta')).body.posts.map((p) => p.text),
    ['Beta office closed today'],
  );

  const wrongSecret = await failure(client(alpha, 'not-the-secret').tweet('never stored'));
  t.type(wrongSecret, ApiResponseError);
  t.equal((wrongSecret as ApiResponseError).code, 401);
  t.same((wrongSecret as ApiResponseError).data, {
    title: 'Unauthorized',
    type: 'about:blank',
    status: 401,
    detail: 'Unauthorized',
  });
  const wrongToken = await failure(client({ ...alpha, accessTokenSecret: 'beta-secret' }).me());
  t.equal((wrongToken as ApiResponseError).code, 401);
  const unknown = await failure(client({ accessToken: 'nobody', accessTokenSecret: 'x' }).me());
  t.equal((unknown as ApiResponseError).code, 401);
  const unsigned = await fetch(`${(await start(t)).origin}/2/users/me`);
  t.equal(unsigned.status, 401);
  t.equal((await control('GET', '/_control/posts')).body.posts.length, 2, 'nothing stored by rejected calls');
});

void t.test('timestamps more than 5 minutes off and reused nonces are rejected', async (t) => {
  let clock = Date.now();
  const { client } = await start(t, { now: () => clock });
  t.equal((await client(alpha).me()).data.id, alpha.id);
  clock += 6 * 60_000;
  t.equal(((await failure(client(alpha).me())) as ApiResponseError).code, 401, 'client clock 6 minutes behind');
  clock -= 12 * 60_000;
  t.equal(((await failure(client(alpha).me())) as ApiResponseError).code, 401, 'client clock 6 minutes ahead');
  clock += 6 * 60_000 - 4 * 60_000;
  t.equal((await client(alpha).me()).data.id, alpha.id, 'four minutes off is accepted');

  // Replay one signed request verbatim.
  clock = Date.now();
  let captured: Record<string, string> | undefined;
  const { origin } = await start(t, { now: () => clock });
  const tw = new TwitterApi(
    {
      appKey: app.consumerKey,
      appSecret: app.consumerSecret,
      accessToken: alpha.accessToken,
      accessSecret: alpha.accessTokenSecret,
    },
    {
      httpAgent: new http.Agent(),
      plugins: [
        {
          onBeforeRequestConfig({ params }) {
            const u = new URL(params.url);
            const o = new URL(origin);
            u.protocol = o.protocol;
            u.host = o.host;
            params.url = u.toString();
          },
          onBeforeRequest({ requestOptions }) {
            captured = { ...(requestOptions.headers as Record<string, string>) };
          },
        },
      ],
    },
  );
  await tw.v2.me();
  t.ok(captured?.Authorization ?? captured?.authorization);
  const replay = await fetch(`${origin}/2/users/me`, {
    headers: { authorization: (captured!.Authorization ?? captured!.authorization)! },
  });
  t.equal(replay.status, 401, 'the same nonce twice is refused');
});

void t.test('me, reply, mentions with since_id and pagination, search with OR-ed handles', async (t) => {
  const { client, control } = await start(t);
  t.same((await client(beta).me()).data, { id: beta.id, name: beta.name, username: beta.username });
  const none = await client(alpha).userMentionTimeline(alpha.id);
  t.same(none.meta, { result_count: 0 }, 'no mentions yet');
  t.equal(none.tweets.length, 0);

  const injected: string[] = [];
  for (let i = 0; i < 7; i++) {
    const res = await control('POST', '/_control/mentions', {
      to: 'JCPAlpha',
      from: citizen,
      text: `@JCPAlpha is it open? ${i}`,
    });
    t.equal(res.status, 201);
    injected.push(res.body.data.id);
  }
  const toBeta = await control('POST', '/_control/mentions', { to: beta.id, from: citizen, text: '@JCPBeta hello' });

  const first = await client(alpha).userMentionTimeline(alpha.id, {
    max_results: 5,
    'tweet.fields': ['author_id', 'created_at'],
    expansions: ['author_id'],
  });
  t.same(
    first.data.data.map((d) => d.id),
    injected.slice(2).reverse(),
    'newest first',
  );
  t.equal(first.data.data[0]!.author_id, citizen.id);
  t.same(
    first.data.includes?.users?.map((u) => u.username),
    ['citizen'],
  );
  t.match(first.data.meta, { result_count: 5, newest_id: injected[6], oldest_id: injected[2], next_token: String });
  const second = await client(alpha).userMentionTimeline(alpha.id, {
    max_results: 5,
    pagination_token: first.data.meta.next_token!,
  });
  t.same(
    second.data.data.map((d) => d.id),
    [injected[1], injected[0]],
  );
  t.notOk(second.data.meta.next_token, 'last page');
  const paginator = await client(alpha).userMentionTimeline(alpha.id, { max_results: 5 });
  await paginator.fetchNext();
  t.same(
    paginator.tweets.map((d) => d.id),
    [...injected].reverse(),
    'the library paginator follows next_token',
  );
  t.ok(paginator.done);
  const since = await client(alpha).userMentionTimeline(alpha.id, { since_id: injected[4]! });
  t.same(
    since.data.data.map((d) => d.id),
    [injected[6], injected[5]],
  );
  const badMax = await failure(client(alpha).userMentionTimeline(alpha.id, { max_results: 2 }));
  t.equal((badMax as ApiResponseError).code, 400);

  const reply = await client(alpha).reply('@citizen yes, open until 5pm', injected[6]!);
  const posts = (await control('GET', '/_control/posts?account=JCPAlpha')).body.posts;
  t.match(posts, [{ id: reply.data.id, inReplyToTweetId: injected[6] }]);
  const missing = await failure(client(alpha).reply('to nothing', '999'));
  t.equal((missing as ApiResponseError).code, 403, 'a post that does not exist is, to X, deleted or not visible');
  t.same((missing as ApiResponseError).data, {
    detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
  });
  t.equal(
    ((await failure(client(alpha).reply('to nonsense', 'abc'))) as ApiResponseError).code,
    400,
    'a malformed id is an invalid request',
  );

  const crossPost = await client(beta).tweet('Hello @JCPAlpha from Beta');
  const alphaMentions = await client(alpha).userMentionTimeline(alpha.id, { since_id: injected[6]! });
  t.same(
    alphaMentions.tweets.map((d) => d.id),
    [crossPost.data.id],
    'a post naming a handle is a mention of it',
  );
  const search = await client(beta).search('@JCPAlpha OR @JCPBeta', { since_id: injected[5]! });
  t.same(
    search.data.data.map((d) => d.id),
    [crossPost.data.id, toBeta.body.data.id, injected[6]],
  );
  t.equal(search.data.meta.newest_id, crossPost.data.id);
  const onlyBeta = await client(beta).search('@JCPBeta');
  t.same(
    onlyBeta.data.data.map((d) => d.id),
    [toBeta.body.data.id],
  );
  t.equal(
    ((await failure(client(beta).search('from:someone'))) as ApiResponseError).code,
    400,
    'unsupported query terms are refused',
  );
});

void t.test('duplicate content per account is 403 with X body; another account may post the same text', async (t) => {
  const { client, control } = await start(t);
  await client(alpha).tweet('Closed for snow');
  const dup = await failure(client(alpha).tweet('Closed for snow'));
  t.type(dup, ApiResponseError);
  t.equal((dup as ApiResponseError).code, 403);
  t.same((dup as ApiResponseError).data, {
    detail: 'You are not allowed to create a Tweet with duplicate content.',
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
  });
  await client(beta).tweet('Closed for snow');
  t.equal((await control('GET', '/_control/posts')).body.posts.length, 2);
});

void t.test('rate limits: headers, 429 with rateLimit on the error, configurable and disable-able', async (t) => {
  const { client, control } = await start(t, {
    rateLimits: {
      'POST /2/tweets': [
        { scope: 'user', limit: 2, windowMs: 900_000 },
        { scope: 'app', limit: 3, windowMs: 86_400_000 },
      ],
    },
  });
  await client(alpha).tweet('one');
  await client(alpha).tweet('two');
  const limited = (await failure(client(alpha).tweet('three'))) as ApiResponseError;
  t.type(limited, ApiResponseError);
  t.equal(limited.code, 429);
  t.ok(limited.rateLimitError);
  t.same(limited.data, { errors: [{ code: 88, message: 'Rate limit exceeded' }] });
  t.match(limited.rateLimit, { limit: 2, remaining: 0 });
  t.ok(limited.rateLimit!.reset > Date.now() / 1000 && limited.rateLimit!.reset <= Date.now() / 1000 + 901);
  t.equal(limited.headers['x-app-limit-24hour-limit'], '3');
  t.equal(limited.headers['x-app-limit-24hour-remaining'], '1');
  await client(beta).tweet('beta one');
  const appCap = (await failure(client(beta).tweet('beta two'))) as ApiResponseError;
  t.equal(appCap.code, 429, 'the per-app daily cap covers every account');
  t.equal(appCap.headers['x-app-limit-24hour-remaining'], '0');

  t.equal((await control('PUT', '/_control/rate-limits', { 'POST /2/tweets': null })).status, 200);
  const ok = await client(alpha).tweet('four');
  t.ok(ok.data.id, 'limits disabled');
  t.equal(
    (
      await control('PUT', '/_control/rate-limits', {
        'GET /2/users/me': [{ scope: 'user', limit: 1, windowMs: 60_000 }],
      })
    ).status,
    200,
  );
  t.equal((await client(alpha).me()).data.id, alpha.id);
  const meLimited = (await failure(client(alpha).me())) as ApiResponseError;
  t.equal(meLimited.code, 429);
  t.match(meLimited.rateLimit, { limit: 1, remaining: 0 });
  t.equal((await client(beta).me()).data.id, beta.id, 'per-user window');
});

void t.test('default post headers carry the 15-minute and 24-hour limits', async (t) => {
  const { origin } = await start(t);
  let headers: Record<string, unknown> = {};
  const tw = new TwitterApi(
    {
      appKey: app.consumerKey,
      appSecret: app.consumerSecret,
      accessToken: alpha.accessToken,
      accessSecret: alpha.accessTokenSecret,
    },
    {
      httpAgent: new http.Agent(),
      plugins: [
        {
          onBeforeRequestConfig({ params }) {
            const u = new URL(params.url);
            const o = new URL(origin);
            u.protocol = o.protocol;
            u.host = o.host;
            params.url = u.toString();
          },
          onAfterRequest({ response }) {
            headers = response.headers;
          },
        },
      ],
    },
  );
  const res = await tw.v2.tweet('hello');
  t.match(res.data, { text: 'hello' });
  t.match(headers, {
    'x-rate-limit-limit': '100',
    'x-rate-limit-remaining': '99',
    'x-app-limit-24hour-limit': '10000',
    'x-app-limit-24hour-remaining': '9999',
    'x-user-limit-24hour-remaining': String,
  });
});

void t.test('faults: status, delay, drop, lostAnswer, drip, matched by path and account, for N requests', async (t) => {
  const { client, control, origin } = await start(t);
  t.equal(
    (
      await control('POST', '/_control/faults', {
        kind: 'status',
        status: 503,
        method: 'POST',
        path: '/2/tweets',
        account: 'JCPAlpha',
        count: 2,
      })
    ).status,
    201,
  );
  const e1 = (await failure(client(alpha).tweet('a'))) as ApiResponseError;
  t.type(e1, ApiResponseError);
  t.equal(e1.code, 503);
  t.match(e1.data, { title: 'Service Unavailable', status: 503 });
  t.ok((await client(beta).tweet('b')).data.id, 'other account unaffected');
  t.ok((await client(alpha).me()).data.id, 'other path unaffected');
  t.equal(((await failure(client(alpha).tweet('a'))) as ApiResponseError).code, 503, 'second of two');
  t.ok((await client(alpha).tweet('a')).data.id, 'fault used up');

  await control('POST', '/_control/faults', { kind: 'delay', delayMs: 300, path: '/2/users/me' });
  const started = Date.now();
  await client(alpha).me();
  t.ok(Date.now() - started >= 290, 'delayed');

  await control('POST', '/_control/faults', { kind: 'drop', path: '/2/tweets' });
  const dropped = await failure(client(alpha).tweet('dropped'));
  t.type(dropped, ApiRequestError);
  t.notOk(
    (await control('GET', '/_control/posts?account=JCPAlpha')).body.posts.some((p) => p.text === 'dropped'),
    'a drop stores nothing',
  );

  await control('POST', '/_control/faults', { kind: 'lostAnswer' });
  t.ok((await client(alpha).me()).data.id, 'a lostAnswer fault waits for a post');
  const lost = await failure(client(alpha).tweet('lost answer'));
  t.type(lost, ApiRequestError);
  t.ok(
    (await control('GET', '/_control/posts?account=JCPAlpha')).body.posts.some((p) => p.text === 'lost answer'),
    'the post exists',
  );
  const retry = (await failure(client(alpha).tweet('lost answer'))) as ApiResponseError;
  t.equal(retry.code, 403, 'a blind retry meets the duplicate rule');

  // drip: handled as usual (the post is stored at once), then the answer a byte at a time over
  // delayMs: never idle for long (a 300 ms idle timeout does not fire), complete in the end.
  await control('POST', '/_control/faults', { kind: 'drip', delayMs: 1_500, method: 'POST', path: '/2/tweets' });
  const idle300: ITwitterApiClientPlugin = {
    onBeforeRequestConfig({ params }) {
      params.timeout = 300;
    },
  };
  const slow = new TwitterApi(
    {
      appKey: app.consumerKey,
      appSecret: app.consumerSecret,
      accessToken: alpha.accessToken,
      accessSecret: alpha.accessTokenSecret,
    },
    {
      plugins: [
        idle300,
        {
          onBeforeRequestConfig({ params }) {
            const url = new URL(params.url);
            url.protocol = 'http:';
            url.host = new URL(origin).host;
            params.url = url.toString();
          },
        },
      ],
      httpAgent: new http.Agent(),
    },
  ).v2;
  const dripStarted = Date.now();
  const dripping = slow.tweet('dripping');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.ok(
    (await control('GET', '/_control/posts?account=JCPAlpha')).body.posts.some((p) => p.text === 'dripping'),
    'stored before the answer is through',
  );
  t.match(await dripping, { data: { text: 'dripping' } }, 'the whole answer arrives, never idle for 300 ms');
  t.ok(Date.now() - dripStarted >= 1_400, 'over delayMs');

  t.equal((await control('GET', '/_control/health')).body.status, 'ok');
  await control('POST', '/_control/reset');
  t.equal((await control('GET', '/_control/posts')).body.posts.length, 0);
  t.equal(((await failure(client(alpha).me())) as ApiResponseError).code, 401, 'accounts gone after reset');
});

void t.test(
  "user timeline: the account's own API posts, newest first, paged, since_id/until_id, escaped text, auth, validation, limits, faults",
  async (t) => {
    const { client, control, origin } = await start(t);
    t.same((await client(alpha).userTimeline(alpha.id)).data.meta, { result_count: 0 }, 'no posts yet');

    const own: string[] = [];
    for (let i = 0; i < 7; i++) own.push((await client(alpha).tweet(`Alpha update ${i}`)).data.id);
    await client(beta).tweet('Beta update');
    await control('POST', '/_control/mentions', { to: 'JCPAlpha', from: citizen, text: '@JCPAlpha not an own post' });
    const reply = await client(alpha).reply('@citizen a reply is an own post too', own[0]!);
    own.push(reply.data.id);
    const newestFirst = [...own].reverse();

    const all = await client(beta).userTimeline(alpha.id, {
      'tweet.fields': ['created_at', 'author_id', 'conversation_id', 'in_reply_to_user_id'],
    });
    t.same(
      all.data.data.map((d) => d.id),
      newestFirst,
      "only alpha's own posts, newest first, readable by another account",
    );
    t.match(all.data.data[0], {
      id: reply.data.id,
      text: '@citizen a reply is an own post too',
      author_id: alpha.id,
      created_at: String,
      conversation_id: own[0],
      in_reply_to_user_id: alpha.id,
      edit_history_tweet_ids: [reply.data.id],
    });
    t.match(all.data.meta, { result_count: 8, newest_id: reply.data.id, oldest_id: own[0] });
    t.notOk(all.data.meta.next_token, 'one page');
    t.notOk(
      'created_at' in (await client(alpha).userTimeline(alpha.id)).data.data[0]!,
      'fields only when asked, as for mentions',
    );

    const first = await client(alpha).userTimeline(alpha.id, { max_results: 5 });
    t.same(
      first.data.data.map((d) => d.id),
      newestFirst.slice(0, 5),
    );
    t.match(first.data.meta, {
      result_count: 5,
      newest_id: newestFirst[0],
      oldest_id: newestFirst[4],
      next_token: String,
    });
    const second = await client(alpha).userTimeline(alpha.id, {
      max_results: 5,
      pagination_token: first.data.meta.next_token!,
    });
    t.same(
      second.data.data.map((d) => d.id),
      newestFirst.slice(5),
    );
    t.notOk(second.data.meta.next_token, 'last page');
    const next = await first.next();
    t.same(
      next.tweets.map((d) => d.id),
      newestFirst.slice(5),
      'the library paginator follows next_token',
    );
    t.ok(next.done);

    t.same(
      (await client(alpha).userTimeline(alpha.id, { since_id: own[5]! })).tweets.map((d) => d.id),
      [reply.data.id, own[6]],
    );
    t.same(
      (await client(alpha).userTimeline(alpha.id, { until_id: own[2]! })).tweets.map((d) => d.id),
      [own[1], own[0]],
    );
    t.same(
      (await client(alpha).userTimeline(beta.id)).tweets.map((d) => d.text),
      ['Beta update'],
      "beta's timeline has none of alpha's posts",
    );

    await client(alpha).tweet('Fish & chips <today> at 5 > 4');
    t.equal(
      (await client(alpha).userTimeline(alpha.id, { max_results: 5 })).tweets[0]!.text,
      'Fish &amp; chips &lt;today&gt; at 5 &gt; 4',
      'X escapes &, < and > on reads',
    );
    t.equal(
      (await control('GET', '/_control/posts?account=JCPAlpha')).body.posts.at(-1)!.text,
      'Fish & chips <today> at 5 > 4',
      'stored as posted',
    );

    for (const max of [4, 101]) {
      const bad = (await failure(client(alpha).userTimeline(alpha.id, { max_results: max }))) as ApiResponseError;
      t.equal(bad.code, 400, `max_results ${max}`);
      t.match(bad.data, { title: 'Invalid Request', errors: [{ message: /max_results.*between 5 and 100/ }] });
    }
    t.equal(
      ((await failure(client(alpha).userTimeline(alpha.id, { since_id: 'abc' }))) as ApiResponseError).code,
      400,
      'bad since_id',
    );
    t.equal(((await failure(client(alpha).userTimeline('999'))) as ApiResponseError).code, 404, 'unknown user');
    const badSignature = (await failure(client(alpha, 'not-the-secret').userTimeline(alpha.id))) as ApiResponseError;
    t.equal(badSignature.code, 401);
    t.same(badSignature.data, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
    t.equal((await fetch(`${origin}/2/users/${alpha.id}/tweets`)).status, 401, 'unsigned');

    const page = await client(alpha).userTimeline(alpha.id);
    t.match(page.rateLimit, { limit: 900, remaining: Number }, 'the tighter per-user 15-minute window is reported');
    await control('PUT', '/_control/rate-limits', {
      'GET /2/users/:id/tweets': [{ scope: 'app', limit: 1, windowMs: 60_000 }],
    });
    await client(alpha).userTimeline(alpha.id);
    const limited = (await failure(client(beta).userTimeline(alpha.id))) as ApiResponseError;
    t.equal(limited.code, 429, 'per-app window covers every account');
    t.match(limited.rateLimit, { limit: 1, remaining: 0 });
    await control('PUT', '/_control/rate-limits', { 'GET /2/users/:id/tweets': null });

    await control('POST', '/_control/faults', {
      kind: 'status',
      status: 503,
      path: '/2/users/:id/tweets',
      account: 'JCPAlpha',
    });
    t.equal(
      ((await failure(client(alpha).userTimeline(alpha.id))) as ApiResponseError).code,
      503,
      'a fault by route pattern',
    );
    await control('POST', '/_control/faults', { kind: 'drop', path: `/2/users/${beta.id}/tweets` });
    t.type(await failure(client(alpha).userTimeline(beta.id)), ApiRequestError, 'a fault by literal path');
    t.ok((await client(alpha).userTimeline(alpha.id)).tweets.length, 'faults used up');
  },
);

void t.test('control mentions: replies, retweets and quotes; search -is:retweet; mention entities', async (t) => {
  const { client, control } = await start(t);
  const question = (
    await control('POST', '/_control/mentions', { to: 'JCPAlpha', from: citizen, text: '@JCPAlpha is Leeds open?' })
  ).body.data.id;
  const answer = (await client(alpha).reply('@citizen Leeds is open as normal.', question)).data.id;
  const followUp = await control('POST', '/_control/mentions', {
    to: 'JCPAlpha',
    from: citizen,
    text: '@JCPAlpha thanks! and Bradford?',
    in_reply_to_tweet_id: answer,
  });
  t.equal(followUp.status, 201);
  const retweet = await control('POST', '/_control/mentions', {
    to: 'JCPAlpha',
    from: { id: '556', username: 'other' },
    text: 'RT @citizen: @JCPAlpha is Leeds open?',
    retweet_of: question,
  });
  t.equal(retweet.status, 201);
  const quote = await control('POST', '/_control/mentions', {
    to: 'JCPBeta',
    from: { id: '557', username: 'quoter' },
    text: 'Same question @JCPBeta &',
    quote_of: question,
  });
  t.equal(quote.status, 201);

  for (const [field, value] of [
    ['in_reply_to_tweet_id', '999'],
    ['retweet_of', '12345'],
    ['quote_of', '1'],
  ] as const) {
    const bad = await control('POST', '/_control/mentions', {
      to: 'JCPAlpha',
      from: citizen,
      text: '@JCPAlpha x',
      [field]: value,
    });
    t.equal(bad.status, 400, `unknown post in ${field}`);
  }
  const before = (await control('GET', '/_control/health')).body as unknown as { posts: number };
  t.equal(before.posts, 5, 'nothing stored by refused mentions');

  const fields = {
    'tweet.fields': ['author_id', 'conversation_id', 'referenced_tweets', 'entities'] as (
      'author_id' | 'conversation_id' | 'referenced_tweets' | 'entities'
    )[],
    expansions: ['author_id' as const],
  };
  const all = await client(beta).search('(@JCPAlpha OR @JCPBeta)', fields);
  t.same(
    all.tweets.map((p) => p.id),
    [quote.body.data.id, retweet.body.data.id, followUp.body.data.id, question],
    'without -is:retweet: every mention, newest first (not the reply, which mentions only @citizen)',
  );
  const noRetweets = await client(beta).search('(@JCPAlpha OR @JCPBeta) -is:retweet', fields);
  t.same(
    noRetweets.tweets.map((p) => p.id),
    [quote.body.data.id, followUp.body.data.id, question],
    '-is:retweet drops the retweet, keeps the quote',
  );
  t.same(
    (await client(beta).search('-is:retweet @JCPAlpha')).tweets.map((p) => p.id),
    [followUp.body.data.id, question],
    'the operator anywhere in the query',
  );

  const byId = new Map(all.tweets.map((p) => [p.id, p]));
  t.same(byId.get(followUp.body.data.id)!.referenced_tweets, [{ type: 'replied_to', id: answer }]);
  t.equal(
    byId.get(followUp.body.data.id)!.conversation_id,
    question,
    'a reply joins the conversation of the post it answers',
  );
  t.same(byId.get(retweet.body.data.id)!.referenced_tweets, [{ type: 'retweeted', id: question }]);
  t.same(byId.get(quote.body.data.id)!.referenced_tweets, [{ type: 'quoted', id: question }]);
  t.notOk('referenced_tweets' in byId.get(question)!, 'none on an original post');
  t.equal(byId.get(quote.body.data.id)!.text, 'Same question @JCPBeta &amp;', 'escaped like every read');

  // Entities: the account's own spelling, where the @ is, ordered by position.
  t.same(byId.get(question)!.entities, { mentions: [{ start: 0, end: 9, username: 'JCPAlpha', id: alpha.id }] });
  t.same(byId.get(retweet.body.data.id)!.entities, {
    mentions: [
      { start: 3, end: 11, username: 'citizen' },
      { start: 13, end: 22, username: 'JCPAlpha', id: alpha.id },
    ],
  });
  t.same(byId.get(quote.body.data.id)!.entities, {
    mentions: [{ start: 14, end: 22, username: 'JCPBeta', id: beta.id }],
  });
  t.notOk('entities' in (await client(beta).search('@JCPAlpha')).tweets[0]!, 'entities only when asked');
  t.same((await client(beta).search('@JCPAlpha', fields)).includes.users.map((u) => u.username).sort(), [
    'citizen',
    'other',
  ]);

  // A mention the text does not hold (the account it was sent to) comes first, at 0.
  const implicit = (
    await control('POST', '/_control/mentions', { to: 'JCPAlpha', from: citizen, text: 'is @JCPBeta open?' })
  ).body.data.id;
  const implicitPost = (await client(beta).search('@JCPAlpha', fields)).tweets.find((p) => p.id === implicit)!;
  t.same(
    implicitPost.entities!.mentions.map((m) => [m.username, m.start]),
    [
      ['JCPAlpha', 0],
      ['JCPBeta', 3],
    ],
  );

  // A longer handle that begins with a 15-character one is not a mention of it.
  await control('POST', '/_control/accounts', {
    id: '1003',
    username: 'abcdefghijklmno',
    accessToken: '1003-token',
    accessTokenSecret: 's',
  });
  await control('POST', '/_control/mentions', {
    to: 'JCPAlpha',
    from: citizen,
    text: '@JCPAlpha and @abcdefghijklmnop',
  });
  t.equal((await client(beta).search('@abcdefghijklmno')).tweets.length, 0);
});

void t.test(
  'a reply to a deleted post, and in a conversation whose author restricted replies, is refused exactly as X refuses it',
  async (t) => {
    const { client, control, origin } = await start(t);
    const question = (
      await control('POST', '/_control/mentions', { to: 'JCPAlpha', from: citizen, text: '@JCPAlpha is Leeds open?' })
    ).body.data.id;
    t.same(
      (await control('DELETE', `/_control/posts/${question}`)).body,
      { data: { deleted: true } },
      'the citizen deletes the question',
    );
    t.equal((await control('DELETE', `/_control/posts/${question}`)).status, 404, 'once');
    const refused = (await failure(client(alpha).reply('@citizen Leeds is open.', question))) as ApiResponseError;
    t.equal(refused.code, 403);
    t.same(refused.data, {
      detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    });
    t.match(refused.headers['content-type'], /^application\/problem\+json/, 'a problem document, as X sends it');
    t.match(
      refused.headers,
      { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '99', 'x-app-limit-24hour-remaining': '9999' },
      'the refused attempt counts against the limits',
    );
    t.equal((await client(alpha).userMentionTimeline(alpha.id)).tweets.length, 0, 'gone from the mentions');
    t.equal((await client(alpha).search('@JCPAlpha')).tweets.length, 0, 'and from search');
    t.equal((await client(alpha).me()).data.id, alpha.id, 'the account itself is fine');

    // An account's own post deleted: gone from its timeline, and its text may be posted again.
    const own = (await client(alpha).tweet('Leeds is closed')).data.id;
    await control('DELETE', `/_control/posts/${own}`);
    t.same((await control('GET', '/_control/posts?account=JCPAlpha')).body.posts, [], 'not listed');
    t.ok((await client(alpha).tweet('Leeds is closed')).data.id, 'not a duplicate any more');
    t.equal(
      ((await failure(client(alpha).reply('2/2 and Bradford', own))) as ApiResponseError).code,
      403,
      'a thread cannot go on from a deleted part',
    );

    // Someone starts a conversation open only to those mentioned; another person asks in it.
    const other = { id: '777', username: 'someone' };
    const root = (
      await control('POST', '/_control/mentions', {
        to: 'JCPBeta',
        from: other,
        text: '@JCPBeta @citizen snow everywhere',
        reply_settings: 'mentionedUsers',
      })
    ).body.data.id;
    const asked = (
      await control('POST', '/_control/mentions', {
        to: 'JCPAlpha',
        from: citizen,
        text: '@JCPAlpha is Leeds open?',
        in_reply_to_tweet_id: root,
      })
    ).body.data.id;
    const restricted = (await failure(client(alpha).reply('@citizen Leeds is open.', asked))) as ApiResponseError;
    t.equal(restricted.code, 403);
    t.same(restricted.data, {
      detail:
        'Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.',
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    });
    t.match(restricted.headers['content-type'], /^application\/problem\+json/);
    t.ok(
      (await client(beta).reply('@someone thanks', asked)).data.id,
      'an account mentioned by the conversation’s author may reply',
    );
    const fields = { 'tweet.fields': ['reply_settings'] as 'reply_settings'[] };
    t.match(
      (await client(beta).search('@JCPBeta', fields)).tweets.find((p) => p.id === root),
      { reply_settings: 'mentionedUsers' },
      'reads show the setting',
    );

    // The author changes who may reply (any post of the conversation names it).
    const put = async (id: string, body: unknown) => {
      const res = await fetch(`${origin}/_control/conversations/${id}/reply_settings`, {
        method: 'PUT',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    t.same(await put(asked, { reply_settings: 'everyone' }), {
      status: 200,
      body: { conversationId: root, reply_settings: 'everyone' },
    });
    t.ok((await client(alpha).reply('@citizen Leeds is open.', asked)).data.id, 'open again');
    t.equal((await put(asked, { reply_settings: 'following' })).status, 200);
    t.equal(
      ((await failure(client(alpha).reply('@citizen Leeds is open!', asked))) as ApiResponseError).code,
      403,
      'following: the emulator follows no one',
    );
    // Engaged by the author: the conversation's author replies to the account.
    await control('POST', '/_control/mentions', {
      to: 'JCPAlpha',
      from: other,
      text: '@JCPAlpha do you know?',
      in_reply_to_tweet_id: root,
    });
    t.ok(
      (await client(alpha).reply('@citizen Leeds is open, yes.', asked)).data.id,
      'mentioned by the author since: may reply',
    );
    t.equal((await put('999', { reply_settings: 'everyone' })).status, 404);
    t.equal((await put(root, { reply_settings: 'nobody' })).status, 400);
    t.equal(
      (
        await control('POST', '/_control/mentions', {
          to: 'JCPAlpha',
          from: citizen,
          text: '@JCPAlpha x',
          reply_settings: 'nobody',
        })
      ).status,
      400,
    );
  },
);
