import { randomBytes } from 'node:crypto';
import type { Teardown } from '@jcp/testing';
import { composeBatch } from '@jcp/use-cases';
import { buildEmulator } from '@jcp/x-emulator';
import { createXClient, openAccountTokens } from '@jcp/x-client';
import t from 'tap';
import { apiFixture } from './fixture.js';

const CONSUMER = { consumerKey: 'test-consumer-key', consumerSecret: 'test-consumer-secret' };
const ACCOUNT = 'district-105';
const closure = { status: 'closed', cause: 'weather', message: 'Closed today because of heavy snow' };

interface AccountBody {
  id: string;
  name: string;
  handle: string;
  xUserId: string | null;
  languages: string[];
  postingWindow: { start: string; end: string };
  includeLinks: boolean;
  link: string | null;
  allowUrgent: boolean;
  coalesceSeconds: number | null;
  paused: boolean;
  pausedReason: string | null;
  pausedAt: string | null;
  hasCredentials: boolean;
  isPlaceholder: boolean;
  officeCount: number;
  health: {
    queuedPosts: number;
    oldestQueuedAt: string | null;
    pendingChanges: number;
    consecutiveFailures: number;
    userBudget: { limit: number; windowMs: number; used: number };
  };
}
interface PostBody {
  id: string;
  accountId: string;
  handle: string;
  language: string;
  part: number;
  parts: number;
  text: string;
  state: string;
  attempts: number;
  replyToPostId: string | null;
}
interface ChangeFanoutBody {
  seq: string;
  officeId: string;
  accountId: string;
  urgent: boolean;
  state: string;
  batch: { id: string; composedAt: string } | null;
  posts: PostBody[];
}
interface DeliveryBody {
  paused: boolean;
  pausedReason: string | null;
  queuedPosts: number;
  pendingChanges: number;
  failedPosts: number;
  accountsWithErrors: string[];
  appBudget: { limit: number; windowMs: number; used: number };
}

/** An X emulator on a free port, closed at teardown, and a verifier that asks it GET /2/users/me. */
async function emulator(t: Teardown) {
  const x = buildEmulator(CONSUMER);
  await x.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => x.close());
  const address = x.server.address();
  if (!address || typeof address === 'string') throw new Error('the emulator has no port');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const verifyAccount = async (tokens: { accessToken: string; accessSecret: string }) => {
    const me = await createXClient({
      baseUrl,
      appKey: CONSUMER.consumerKey,
      appSecret: CONSUMER.consumerSecret,
      ...tokens,
    }).v2.me();
    return { id: me.data.id, username: me.data.username };
  };
  const register = async (account: {
    id: string;
    username: string;
    accessToken: string;
    accessTokenSecret: string;
  }) => {
    const res = await x.inject({ method: 'POST', url: '/_control/accounts', payload: account });
    if (res.statusCode !== 201) throw new Error(res.body);
  };
  return { x, baseUrl, verifyAccount, register };
}

async function setup(t: Teardown, fanout: 'key' | 'none' | 'emulator' = 'key') {
  const credentialsKey = randomBytes(32);
  const x = fanout === 'emulator' ? await emulator(t) : null;
  // X as the service sees it: a real X API (here the emulator on its own port, or no one to ask).
  const xTarget = { kind: 'x', baseUrl: x?.baseUrl ?? 'https://api.x.com' } as const;
  const options =
    fanout === 'none' ? {} : { fanout: { credentialsKey, xTarget, ...(x ? { verifyAccount: x.verifyAccount } : {}) } };
  const fixture = await apiFixture(t, options);
  const as = (token: { token: string } | null) => (token === null ? {} : { authorization: `Bearer ${token.token}` });
  return { ...fixture, as, credentialsKey, x, adminActor: `token:${fixture.admin.record.id}:ops` };
}

void t.test(
  'reads follow the read-access rule; admin routes refuse anonymous callers (401), readers and managers (403)',
  async (t) => {
    const { app, as, reader, cumbria } = await setup(t);
    for (const url of [
      '/accounts',
      `/accounts/${ACCOUNT}`,
      `/accounts/${ACCOUNT}/posts`,
      '/offices/carlisle-8504/posts',
      '/delivery',
    ]) {
      const res = await app.inject(url);
      t.equal(res.statusCode, 200, `${url} is public like GET /offices`);
      t.equal(res.headers['cache-control'], 'no-cache');
    }
    const writes: { method: 'PUT' | 'PATCH' | 'POST' | 'DELETE'; url: string; payload?: object }[] = [
      { method: 'PUT', url: `/admin/accounts/${ACCOUNT}`, payload: { name: 'Cumbria', handle: 'JCPinCumbria' } },
      { method: 'PATCH', url: `/admin/accounts/${ACCOUNT}`, payload: { allowUrgent: true } },
      {
        method: 'PUT',
        url: `/admin/accounts/${ACCOUNT}/credentials`,
        payload: { accessToken: 'a', accessSecret: 'b', xUserId: '1' },
      },
      { method: 'DELETE', url: `/admin/accounts/${ACCOUNT}/credentials` },
      { method: 'POST', url: `/admin/accounts/${ACCOUNT}/pause`, payload: {} },
      { method: 'POST', url: `/admin/accounts/${ACCOUNT}/resume`, payload: {} },
      { method: 'POST', url: '/admin/delivery/pause', payload: {} },
      { method: 'POST', url: '/admin/delivery/resume', payload: {} },
    ];
    for (const w of writes) {
      const anonymous = await app.inject({
        method: w.method,
        url: w.url,
        ...(w.payload ? { payload: w.payload } : {}),
      });
      t.equal(anonymous.statusCode, 401, `${w.method} ${w.url} anonymous`);
      t.match(anonymous.headers['content-type'], /^application\/problem\+json/);
      for (const token of [reader, cumbria]) {
        const res = await app.inject({
          method: w.method,
          url: w.url,
          headers: as(token),
          ...(w.payload ? { payload: w.payload } : {}),
        });
        t.equal(res.statusCode, 403, `${w.method} ${w.url} as ${token.record.role}`);
      }
    }
    const account = (await app.inject(`/accounts/${ACCOUNT}`)).json<AccountBody>();
    t.equal(account.paused, false, 'nothing was changed');
    t.equal(account.hasCredentials, false);
  },
);

void t.test('with READ_ACCESS=token the reads need a reader token', async (t) => {
  const { app, as, reader } = await (async () => {
    const fixture = await apiFixture(t, { readAccess: 'token' });
    return { ...fixture, as: (token: { token: string }) => ({ authorization: `Bearer ${token.token}` }) };
  })();
  for (const url of ['/accounts', `/accounts/${ACCOUNT}`, '/delivery', '/changes/1/posts']) {
    t.equal((await app.inject(url)).statusCode, 401, url);
  }
  t.equal((await app.inject({ url: '/accounts', headers: as(reader) })).statusCode, 200);
});

void t.test(
  'an admin creates an account (201), replaces (200) and patches its settings; bad input is a 400, a taken handle a 409; audited',
  async (t) => {
    const { app, database, admin, as, adminActor } = await setup(t);
    const put = (id: string, payload: object) =>
      app.inject({ method: 'PUT', url: `/admin/accounts/${id}`, headers: as(admin), payload });
    const patch = (id: string, payload: object) =>
      app.inject({ method: 'PATCH', url: `/admin/accounts/${id}`, headers: as(admin), payload });

    const created = await put('jcp-test', {
      name: 'Test town',
      handle: 'JCPinTest',
      languages: ['en', 'cy'],
      postingWindow: { start: '07:30', end: '22:00' },
      allowUrgent: true,
      coalesceSeconds: 120,
    });
    t.equal(created.statusCode, 201, created.body);
    t.equal(created.headers.location, '/accounts/jcp-test');
    t.equal(created.headers['cache-control'], 'no-store');
    t.match(created.json<AccountBody>(), {
      id: 'jcp-test',
      name: 'Test town',
      handle: 'JCPinTest',
      languages: ['en', 'cy'],
      postingWindow: { start: '07:30', end: '22:00' },
      includeLinks: false,
      link: null,
      allowUrgent: true,
      coalesceSeconds: 120,
      paused: false,
      hasCredentials: false,
      isPlaceholder: false,
      officeCount: 0,
      health: {
        queuedPosts: 0,
        pendingChanges: 0,
        consecutiveFailures: 0,
        userBudget: { limit: 100, windowMs: 900_000, used: 0 },
      },
    });
    t.match((await app.inject('/accounts/jcp-test')).json(), { handle: 'JCPinTest' });

    // A PUT replaces: what it leaves out takes the defaults.
    const replaced = await put('jcp-test', {
      name: 'Test town',
      handle: 'JCPinTest2',
      includeLinks: true,
      link: 'https://www.gov.uk/contact-jobcentre-plus',
    });
    t.equal(replaced.statusCode, 200, replaced.body);
    t.match(replaced.json<AccountBody>(), {
      handle: 'JCPinTest2',
      languages: ['en'],
      postingWindow: { start: '08:00', end: '23:00' },
      allowUrgent: false,
      coalesceSeconds: null,
      includeLinks: true,
      link: 'https://www.gov.uk/contact-jobcentre-plus',
    });

    // A PATCH changes what it names only; an existing (placeholder) account too.
    const patched = await patch(ACCOUNT, {
      handle: 'JCPinCumbria',
      allowUrgent: true,
      postingWindow: { start: '06:00', end: '23:30' },
    });
    t.equal(patched.statusCode, 200, patched.body);
    t.match(patched.json<AccountBody>(), {
      id: ACCOUNT,
      handle: 'JCPinCumbria',
      allowUrgent: true,
      postingWindow: { start: '06:00', end: '23:30' },
      isPlaceholder: false,
    });
    t.ok(patched.json<AccountBody>().officeCount > 0, 'the district account has offices');
    t.match(
      (await app.inject('/offices/carlisle-8504')).json(),
      { account: { id: ACCOUNT, handle: 'JCPinCumbria' } },
      'offices show the new handle',
    );

    // Bad input: 400, nothing changed.
    const bad: [string, object][] = [
      ['Bad_Id', { name: 'x', handle: 'x' }],
      ['ok-id', { name: 'x', handle: 'has space' }],
      ['ok-id', { name: 'x', handle: 'waytoolonghandle16' }],
      ['ok-id', { name: 'x', handle: 'x', languages: ['cy'] }],
      ['ok-id', { name: 'x', handle: 'x', languages: ['en', 'en'] }],
      ['ok-id', { name: 'x', handle: 'x', postingWindow: { start: '22:00', end: '08:00' } }],
      ['ok-id', { name: 'x', handle: 'x', postingWindow: { start: '8:00', end: '23:00' } }],
      ['ok-id', { name: 'x', handle: 'x', link: 'http://example.com' }],
      ['ok-id', { name: 'x', handle: 'x', link: `https://example.com/${'a'.repeat(200)}` }],
      ['ok-id', { name: 'x', handle: 'x', coalesceSeconds: 3601 }],
      ['ok-id', { name: 'x', handle: 'x', coalesceSeconds: -1 }],
      ['ok-id', { name: 'x', handle: 'x', surprise: true }],
      ['ok-id', { handle: 'x' }],
    ];
    for (const [id, body] of bad) {
      const res = await put(id, body);
      t.equal(res.statusCode, 400, `${id} ${JSON.stringify(body)}: ${res.body}`);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
    }
    t.equal((await patch(ACCOUNT, { coalesceSeconds: 5000 })).statusCode, 400);
    t.equal((await app.inject('/accounts/ok-id')).statusCode, 404);

    // Handles are unique whatever their case.
    const clash = await put('other', { name: 'Other', handle: 'jcpincumbria' });
    t.equal(clash.statusCode, 409, clash.body);
    t.match(clash.json(), { accountId: ACCOUNT });
    t.equal((await patch('jcp-test', { handle: 'JCPINCUMBRIA' })).statusCode, 409);
    t.equal((await patch('no-such-account', { allowUrgent: true })).statusCode, 404);
    t.equal((await app.inject('/accounts/no-such-account')).statusCode, 404);

    const audit = await database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_type', '=', 'account')
      .where('actor', '=', adminActor)
      .orderBy('id')
      .execute();
    t.same(
      audit.map((a) => [a.action, a.entity_id]),
      [
        ['account.created', 'jcp-test'],
        ['account.updated', 'jcp-test'],
        ['account.updated', ACCOUNT],
      ],
    );
    t.match(audit[2]?.after, { handle: 'JCPinCumbria', allowUrgent: true });
  },
);

void t.test(
  'credentials are stored encrypted and never shown, logged in the audit log or answered; they can be removed',
  async (t) => {
    const { app, database, admin, as, credentialsKey } = await setup(t);
    const accessToken = '1234-plaintextaccesstoken';
    const accessSecret = 'plaintext-access-secret-value';
    const url = `/admin/accounts/${ACCOUNT}/credentials`;

    const missingId = await app.inject({
      method: 'PUT',
      url,
      headers: as(admin),
      payload: { accessToken, accessSecret },
    });
    t.equal(missingId.statusCode, 400, 'without a verifier, xUserId is required');
    const tooLong = await app.inject({
      method: 'PUT',
      url,
      headers: as(admin),
      payload: { accessToken: 'a'.repeat(201), accessSecret, xUserId: '42' },
    });
    t.equal(tooLong.statusCode, 400);
    t.equal(
      (
        await app.inject({
          method: 'PUT',
          url: '/admin/accounts/no-such/credentials',
          headers: as(admin),
          payload: { accessToken, accessSecret, xUserId: '42' },
        })
      ).statusCode,
      404,
    );

    const res = await app.inject({
      method: 'PUT',
      url,
      headers: as(admin),
      payload: { accessToken, accessSecret, xUserId: '42' },
    });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json<AccountBody>(), { id: ACCOUNT, hasCredentials: true, xUserId: '42' });
    for (const text of [res.body, missingId.body, tooLong.body]) {
      t.notOk(text.includes(accessToken) || text.includes(accessSecret), 'no secret in any answer');
    }
    const row = await database.db
      .selectFrom('accounts')
      .select(['credentials_encrypted', 'x_user_id'])
      .where('id', '=', ACCOUNT)
      .executeTakeFirstOrThrow();
    const stored = Buffer.from(row.credentials_encrypted ?? []).toString('utf8');
    t.ok(stored.length > 0);
    t.notOk(stored.includes(accessToken) || stored.includes(accessSecret), 'the column holds no plaintext');
    t.same(
      openAccountTokens(stored, credentialsKey, ACCOUNT),
      { accessToken, accessSecret },
      'it opens with the key, for this account',
    );
    t.equal(row.x_user_id, '42');
    const list = await app.inject('/accounts');
    t.notOk(
      list.body.includes(accessToken) || list.body.includes(accessSecret) || list.body.includes(stored.slice(0, 20)),
    );

    const audit = await database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', ACCOUNT)
      .where('action', 'like', 'account.credentials%')
      .execute();
    t.equal(audit.length, 1);
    const auditText = JSON.stringify(audit);
    t.notOk(
      auditText.includes(accessToken) || auditText.includes(accessSecret) || auditText.includes(stored.slice(0, 20)),
      'no secret in the audit log',
    );

    const cleared = await app.inject({ method: 'DELETE', url, headers: as(admin) });
    t.equal(cleared.statusCode, 200, cleared.body);
    t.match(cleared.json(), { hasCredentials: false });
    t.equal(
      (
        await database.db
          .selectFrom('accounts')
          .select('credentials_encrypted')
          .where('id', '=', ACCOUNT)
          .executeTakeFirstOrThrow()
      ).credentials_encrypted,
      null,
    );
  },
);

void t.test('without fan-out settings the credentials endpoint is a 503 and the rest works', async (t) => {
  const { app, admin, as } = await setup(t, 'none');
  const res = await app.inject({
    method: 'PUT',
    url: `/admin/accounts/${ACCOUNT}/credentials`,
    headers: as(admin),
    payload: { accessToken: 'a', accessSecret: 'b', xUserId: '1' },
  });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { detail: 'credentials storage is not configured' });
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.equal(
    (
      await app.inject({
        method: 'PATCH',
        url: `/admin/accounts/${ACCOUNT}`,
        headers: as(admin),
        payload: { allowUrgent: true },
      })
    ).statusCode,
    200,
  );
});

void t.test(
  'credentials are verified with X (the emulator): X names the user id; rejected tokens, another account and X unreachable are refused',
  async (t) => {
    const { app, database, admin, as, x } = await setup(t, 'emulator');
    if (!x) throw new Error('no emulator');
    await x.register({
      id: '7001',
      username: 'JCPinCumbria',
      accessToken: '7001-good-token',
      accessTokenSecret: 'good-secret',
    });
    await x.register({
      id: '7002',
      username: 'JCPinElsewhere',
      accessToken: '7002-other-token',
      accessTokenSecret: 'other-secret',
    });
    t.equal(
      (
        await app.inject({
          method: 'PATCH',
          url: `/admin/accounts/${ACCOUNT}`,
          headers: as(admin),
          payload: { handle: 'jcpincumbria' },
        })
      ).statusCode,
      200,
    );
    const url = `/admin/accounts/${ACCOUNT}/credentials`;
    const put = (payload: object) => app.inject({ method: 'PUT', url, headers: as(admin), payload });

    const rejected = await put({ accessToken: '7001-good-token', accessSecret: 'wrong-secret' });
    t.equal(rejected.statusCode, 422, rejected.body);
    t.match(rejected.json(), { detail: 'X rejected these credentials' });
    const unknown = await put({ accessToken: 'nobody', accessSecret: 'nothing' });
    t.equal(unknown.statusCode, 422);
    const another = await put({ accessToken: '7002-other-token', accessSecret: 'other-secret' });
    t.equal(another.statusCode, 422, 'the tokens of another account');
    t.match(another.json(), { detail: /JCPinElsewhere/ });
    const wrongId = await put({ accessToken: '7001-good-token', accessSecret: 'good-secret', xUserId: '9' });
    t.equal(wrongId.statusCode, 422);
    t.equal(
      (
        await database.db
          .selectFrom('accounts')
          .select('credentials_encrypted')
          .where('id', '=', ACCOUNT)
          .executeTakeFirstOrThrow()
      ).credentials_encrypted,
      null,
      'nothing stored',
    );

    const ok = await put({ accessToken: '7001-good-token', accessSecret: 'good-secret' });
    t.equal(ok.statusCode, 200, ok.body);
    t.match(ok.json(), { hasCredentials: true, xUserId: '7001' });
    t.notOk(ok.body.includes('good-secret'));

    await x.x.close();
    const down = await put({ accessToken: '7001-good-token', accessSecret: 'good-secret' });
    t.equal(down.statusCode, 503, down.body);
    t.notOk(down.body.includes('good-secret'));
  },
);

void t.test(
  "X's answer about credentials is outside text too: a username or id that breaks X's rules is neither stored nor repeated",
  async (t) => {
    const { app, database, admin, as, x } = await setup(t, 'emulator');
    if (!x) throw new Error('no emulator');
    const hostile = 'x URGENT: all jobcentres closed, claim at https://evil.example';
    await x.register({ id: '7101', username: hostile, accessToken: '7101-token', accessTokenSecret: 'secret-1' });
    await x.register({
      id: 'not-an-id',
      username: 'JCPinCumbria',
      accessToken: '7102-token',
      accessTokenSecret: 'secret-2',
    });
    await x.register({
      id: '7103',
      username: 'JCPinCumbria ',
      accessToken: '7103-token',
      accessTokenSecret: 'secret-3',
    });
    t.equal(
      (
        await app.inject({
          method: 'PATCH',
          url: `/admin/accounts/${ACCOUNT}`,
          headers: as(admin),
          payload: { handle: 'JCPinCumbria' },
        })
      ).statusCode,
      200,
    );
    const put = (accessToken: string, accessSecret: string) =>
      app.inject({
        method: 'PUT',
        url: `/admin/accounts/${ACCOUNT}/credentials`,
        headers: as(admin),
        payload: { accessToken, accessSecret },
      });
    for (const [token, secret, what] of [
      ['7101-token', 'secret-1', 'a hostile username'],
      ['7102-token', 'secret-2', 'an id that is not an X id'],
      ['7103-token', 'secret-3', 'the handle with a trailing space'],
    ] as const) {
      const res = await put(token, secret);
      t.equal(res.statusCode, 422, `${what}: 422`);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
      t.match(res.json(), { type: /x-unexpected-answer$/ }, what);
      t.notMatch(res.body, /URGENT|evil|not-an-id/, `${what}: not repeated`);
    }
    const row = await database.db
      .selectFrom('accounts')
      .select(['credentials_encrypted', 'x_user_id'])
      .where('id', '=', ACCOUNT)
      .executeTakeFirstOrThrow();
    t.same(row, { credentials_encrypted: null, x_user_id: null }, 'nothing stored');
  },
);

void t.test('an admin pauses and resumes one account and all delivery; audited', async (t) => {
  const { app, database, admin, as } = await setup(t);
  const post = (url: string, payload?: object) =>
    app.inject({ method: 'POST', url, headers: as(admin), ...(payload ? { payload } : {}) });

  const paused = await post(`/admin/accounts/${ACCOUNT}/pause`, {
    reason: 'Wrong handle: checking with the comms team',
  });
  t.equal(paused.statusCode, 200, paused.body);
  t.match(paused.json(), { paused: true, pausedReason: 'Wrong handle: checking with the comms team', pausedAt: /Z$/ });
  t.match((await app.inject('/delivery')).json(), { paused: false, accountsWithErrors: [ACCOUNT] });
  const resumed = await post(`/admin/accounts/${ACCOUNT}/resume`);
  t.equal(resumed.statusCode, 200, resumed.body);
  t.match(resumed.json(), { paused: false, pausedReason: null, pausedAt: null });
  t.equal((await post('/admin/accounts/no-such/pause', {})).statusCode, 404);
  t.equal((await post('/admin/accounts/no-such/resume')).statusCode, 404);
  t.equal((await post(`/admin/accounts/${ACCOUNT}/pause`, { reason: 'x'.repeat(501) })).statusCode, 400);

  const all = await post('/admin/delivery/pause', { reason: 'Storm: holding every post' });
  t.equal(all.statusCode, 200, all.body);
  t.match(all.json<DeliveryBody>(), {
    paused: true,
    pausedReason: 'Storm: holding every post',
    accountsWithErrors: [],
  });
  t.match((await app.inject('/delivery')).json(), { paused: true });
  const allResumed = await post('/admin/delivery/resume', {});
  t.equal(allResumed.statusCode, 200, allResumed.body);
  t.match(allResumed.json(), { paused: false, pausedReason: null });
  const control = await database.db.selectFrom('fanout_control').selectAll().executeTakeFirstOrThrow();
  t.equal(control.paused, false);

  const actions = (
    await database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['account.paused', 'account.resumed', 'fanout.paused', 'fanout.resumed'])
      .orderBy('id')
      .execute()
  ).map((a) => a.action);
  t.same(actions, ['account.paused', 'account.resumed', 'fanout.paused', 'fanout.resumed']);
});

void t.test(
  'a status change is in the outbox (pending), then composed: the posts show by change, office and account, and in the health',
  async (t) => {
    const { app, database, admin, cumbria, as } = await setup(t);
    const closed = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: as(cumbria),
      payload: { ...closure, urgent: true },
    });
    t.equal(closed.statusCode, 201, closed.body);
    const history = (await app.inject('/offices/carlisle-8504/history')).json<{ changes: { cursor: string }[] }>();
    const seq = history.changes[0]?.cursor ?? '';
    t.ok(seq);

    const pending = await app.inject(`/changes/${seq}/posts`);
    t.equal(pending.statusCode, 200, pending.body);
    t.match(pending.json<ChangeFanoutBody>(), {
      seq,
      officeId: 'carlisle-8504',
      accountId: ACCOUNT,
      urgent: true,
      state: 'pending',
      batch: null,
      posts: [],
    });
    t.match((await app.inject(`/accounts/${ACCOUNT}`)).json(), { health: { pendingChanges: 1, queuedPosts: 0 } });
    t.match((await app.inject('/delivery')).json(), { pendingChanges: 1, queuedPosts: 0 });

    t.equal(
      (
        await app.inject({
          method: 'PUT',
          url: `/admin/accounts/${ACCOUNT}/credentials`,
          headers: as(admin),
          payload: { accessToken: '1-token', accessSecret: 'secret', xUserId: '1' },
        })
      ).statusCode,
      200,
    );
    const batch = await composeBatch({ db: database.db }, ACCOUNT);
    t.ok(batch, 'composed');
    t.same(batch?.offices, ['carlisle-8504']);

    const composed = (await app.inject(`/changes/${seq}/posts`)).json<ChangeFanoutBody>();
    t.match(composed, { state: 'composed', batch: { id: batch?.batchId, composedAt: /Z$/ } });
    t.ok(composed.posts.length >= 1, 'posts');
    for (const post of composed.posts) {
      t.match(post, { accountId: ACCOUNT, state: 'queued', attempts: 0, language: 'en' });
      t.match(post.text, /Carlisle/);
    }

    const byOffice = (await app.inject('/offices/carlisle-8504/posts')).json<{ changes: ChangeFanoutBody[] }>();
    t.equal(byOffice.changes.length, 1);
    t.same(byOffice.changes[0], composed);

    const byAccount = await app.inject(`/accounts/${ACCOUNT}/posts?state=queued`);
    t.equal(byAccount.statusCode, 200, byAccount.body);
    const posts = byAccount.json<{ posts: PostBody[]; next: string | null }>();
    t.same(
      posts.posts.map((p) => p.id),
      composed.posts.map((p) => p.id).reverse(),
      'newest first',
    );
    t.equal(
      (await app.inject(`/accounts/${ACCOUNT}/posts?state=delivered`)).json<{ posts: PostBody[] }>().posts.length,
      0,
    );
    const page = (await app.inject(`/accounts/${ACCOUNT}/posts?limit=1`)).json<{
      posts: PostBody[];
      next: string | null;
    }>();
    t.equal(page.posts.length, 1);
    t.equal(page.next, page.posts[0]?.id);
    t.equal((await app.inject(`/accounts/${ACCOUNT}/posts?limit=0`)).statusCode, 400);
    t.equal((await app.inject(`/accounts/${ACCOUNT}/posts?limit=201`)).statusCode, 400);

    t.match((await app.inject(`/accounts/${ACCOUNT}`)).json(), {
      health: { pendingChanges: 0, queuedPosts: composed.posts.length, oldestQueuedAt: /Z$/ },
    });
    t.match((await app.inject('/delivery')).json(), {
      pendingChanges: 0,
      queuedPosts: composed.posts.length,
      failedPosts: 0,
      appBudget: { limit: 10_000, used: 0 },
    });

    // A change from before the fan-out (no outbox row), and unknown things.
    await database.db.deleteFrom('fanout_outbox').where('change_seq', '=', seq).execute();
    t.match((await app.inject(`/changes/${seq}/posts`)).json(), { state: 'none', posts: [] });
    t.equal((await app.inject('/changes/999999/posts')).statusCode, 404);
    t.equal((await app.inject('/changes/abc/posts')).statusCode, 400);
    t.equal((await app.inject('/offices/no-such-office/posts')).statusCode, 404);
    t.equal((await app.inject('/accounts/no-such/posts')).statusCode, 404);
  },
);

void t.test('a change undone before composing is composed as unchanged, with no posts of its own', async (t) => {
  const { app, database, cumbria, as } = await setup(t);
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: as(cumbria),
        payload: closure,
      })
    ).statusCode,
    201,
  );
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: as(cumbria),
        payload: { status: 'open' },
      })
    ).statusCode,
    201,
  );
  await database.db
    .updateTable('accounts')
    .set({ credentials_encrypted: Buffer.from('sealed', 'utf8'), x_user_id: '1' })
    .where('id', '=', ACCOUNT)
    .execute();
  const batch = await composeBatch({ db: database.db }, ACCOUNT);
  t.same(batch?.offices, []);
  const changes = (await app.inject('/offices/carlisle-8504/posts')).json<{ changes: ChangeFanoutBody[] }>().changes;
  t.equal(changes.length, 2);
  for (const c of changes) t.match(c, { state: 'unchanged', posts: [], batch: { id: batch?.batchId } });
});

void t.test('a notice may be urgent: stored, shown, inherited by a correction unless given', async (t) => {
  const { app, database, cumbria, as } = await setup(t);
  const single = await app.inject({
    method: 'POST',
    url: '/offices/carlisle-8504/notices',
    headers: as(cumbria),
    payload: { ...closure, urgent: true },
  });
  t.equal(single.statusCode, 201, single.body);
  const { noticeId } = single.json<{ noticeId: string }>();
  t.match((await app.inject(`/notices/${noticeId}`)).json(), { id: noticeId, urgent: true });
  t.equal(
    (
      await database.db
        .selectFrom('status_notices')
        .select('urgent')
        .where('id', '=', noticeId)
        .executeTakeFirstOrThrow()
    ).urgent,
    true,
  );
  t.equal(
    (
      await database.db
        .selectFrom('fanout_outbox')
        .select('urgent')
        .where('office_id', '=', 'carlisle-8504')
        .executeTakeFirstOrThrow()
    ).urgent,
    true,
    'the outbox carries it',
  );

  const correction = await app.inject({
    method: 'POST',
    url: `/notices/${noticeId}/correction`,
    headers: as(cumbria),
    payload: { ...closure, message: 'Closed all day' },
  });
  t.equal(correction.statusCode, 201, correction.body);
  const corrected = correction.json<{ noticeId: string }>().noticeId;
  t.match((await app.inject(`/notices/${corrected}`)).json(), { urgent: true }, 'inherited');
  const second = await app.inject({
    method: 'POST',
    url: `/notices/${corrected}/correction`,
    headers: as(cumbria),
    payload: { ...closure, urgent: false },
  });
  t.match(
    (await app.inject(`/notices/${second.json<{ noticeId: string }>().noticeId}`)).json(),
    { urgent: false },
    'given',
  );

  const bulk = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: as(cumbria),
    payload: { ...closure, district: '105' },
  });
  t.equal(bulk.statusCode, 201, bulk.body);
  t.match(
    (await app.inject(`/notices/${bulk.json<{ noticeId: string }>().noticeId}`)).json(),
    { urgent: false },
    'default false',
  );
  const bulkUrgent = await app.inject({
    method: 'POST',
    url: '/notices',
    headers: as(cumbria),
    payload: { status: 'open', district: '105', urgent: true },
  });
  t.match((await app.inject(`/notices/${bulkUrgent.json<{ noticeId: string }>().noticeId}`)).json(), { urgent: true });
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: as(cumbria),
        payload: { ...closure, urgent: 'yes' },
      })
    ).statusCode,
    400,
  );
});
