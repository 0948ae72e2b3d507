import { touchToken } from '@jcp/db';
import type { Teardown } from '@jcp/testing';
import { sql } from 'kysely';
import t from 'tap';
import { apiFixture } from './fixture.js';

async function setup(t: Teardown) {
  const { database, app, admin, cumbria, reader } = await apiFixture(t);
  const as = (token: string | null) => (token === null ? {} : { authorization: `Bearer ${token}` });
  return { database, app, admin, cumbria, reader, as, adminActor: `token:${admin.record.id}:ops` };
}

interface IssuedBody {
  id: string;
  name: string;
  role: string;
  districtCodes: string[];
  accountIds: string[];
  createdAt: string;
  createdBy: string;
  token: string;
}
interface TokenBody {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const closure = { status: 'closed', cause: 'weather', message: 'Closed today because of heavy snow' };

void t.test(
  'an admin issues tokens that work at once for their role and scope; the issue is audited with the admin, without the secret',
  async (t) => {
    const { app, database, admin, as, adminActor } = await setup(t);
    const issue = (payload: object) =>
      app.inject({ method: 'POST', url: '/admin/tokens', headers: as(admin.token), payload });

    const res = await issue({ name: 'Cumbria area manager', role: 'manager', districtCodes: ['105'] });
    t.equal(res.statusCode, 201, res.body);
    const body = res.json<IssuedBody>();
    t.same(Object.keys(body).sort(), [
      'accountIds',
      'createdAt',
      'createdBy',
      'districtCodes',
      'id',
      'name',
      'role',
      'token',
    ]);
    t.match(body, {
      name: 'Cumbria area manager',
      role: 'manager',
      districtCodes: ['105'],
      accountIds: [],
      createdBy: adminActor,
      token: /^jcp_[A-Za-z0-9_-]{40,}$/,
    });
    t.equal(res.headers.location, `/admin/tokens/${body.id}`);
    t.equal(res.headers['cache-control'], 'no-store', 'the secret is never cached');
    const row = await database.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    t.equal(row.created_by, adminActor);
    t.not(row.token_hash, body.token, 'only a hash is stored');

    // The new manager token acts at once, within its district only.
    const inScope = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: as(body.token),
      payload: closure,
    });
    t.equal(inScope.statusCode, 201, inScope.body);
    t.match((await app.inject('/offices/carlisle-8504')).json(), { currentStatus: { status: 'closed' } });
    const outOfScope = await app.inject({
      method: 'POST',
      url: '/offices/aberdare-9820/notices',
      headers: as(body.token),
      payload: closure,
    });
    t.equal(outOfScope.statusCode, 403);
    t.match(outOfScope.json(), { detail: /outside this token's districts/ });
    t.equal(
      (await app.inject({ url: '/admin/tokens', headers: as(body.token) })).statusCode,
      403,
      'a manager is no admin',
    );

    // Scoped by account instead (Aberdare's district 101 is account district-101); duplicates are dropped.
    const byAccount = await issue({
      name: 'South West Wales',
      role: 'manager',
      accountIds: ['district-101', 'district-101'],
    });
    t.equal(byAccount.statusCode, 201, byAccount.body);
    const accountToken = byAccount.json<IssuedBody>();
    t.same(accountToken.accountIds, ['district-101']);
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/offices/aberdare-9820/notices',
          headers: as(accountToken.token),
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
          headers: as(accountToken.token),
          payload: { status: 'open' },
        })
      ).statusCode,
      403,
    );

    // A reader may not post; a new admin may administer.
    const reader = (await issue({ name: 'chatbot', role: 'reader' })).json<IssuedBody>();
    t.equal(reader.role, 'reader');
    const readerPost = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: as(reader.token),
      payload: { status: 'open' },
    });
    t.equal(readerPost.statusCode, 403);
    t.match(readerPost.json(), { detail: /manager role/ });
    const admin2 = (await issue({ name: '  second admin  ', role: 'admin' })).json<IssuedBody>();
    t.equal(admin2.name, 'second admin', 'the name is trimmed');
    t.equal((await app.inject({ url: '/admin/tokens', headers: as(admin2.token) })).statusCode, 200);

    const audit = await database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'token.issued')
      .where('entity_id', 'in', [body.id, accountToken.id, reader.id, admin2.id])
      .execute();
    t.equal(audit.length, 4, 'every issue is audited');
    const hashes = (await database.db.selectFrom('api_tokens').select('token_hash').execute()).map((r) => r.token_hash);
    for (const entry of audit) {
      t.equal(entry.actor, adminActor);
      t.equal(entry.entity_type, 'token');
      const text = JSON.stringify(entry);
      for (const secret of [body.token, accountToken.token, reader.token, admin2.token, ...hashes])
        t.notOk(text.includes(secret), 'no secret or hash in the audit log');
    }
    t.match(audit.find((a) => a.entity_id === body.id)?.after, {
      name: 'Cumbria area manager',
      role: 'manager',
      districtCodes: ['105'],
    });
  },
);

void t.test(
  'listing and reading tokens shows no secret nor hash; revoked ones on request; newest first; lastUsedAt is recorded',
  async (t) => {
    const { app, database, admin, cumbria, reader, as } = await setup(t);
    const issued: IssuedBody[] = [];
    for (const name of ['first', 'second', 'third']) {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: as(admin.token),
        payload: { name, role: 'reader' },
      });
      issued.push(res.json<IssuedBody>());
    }
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/admin/tokens/${issued[1]?.id}`, headers: as(admin.token) }))
        .statusCode,
      204,
    );

    const secrets = [admin.token, cumbria.token, reader.token, ...issued.map((i) => i.token)];
    const hashes = (await database.db.selectFrom('api_tokens').select('token_hash').execute()).map((r) => r.token_hash);
    t.equal(hashes.length, 6);
    const noSecrets = (text: string) => {
      for (const s of [...secrets, ...hashes]) t.notOk(text.includes(s), 'no secret or hash in the answer');
      t.notOk(/token_?hash|"token"/i.test(text), 'no secret or hash field');
    };

    const live = await app.inject({ url: '/admin/tokens', headers: as(admin.token) });
    t.equal(live.statusCode, 200, live.body);
    t.equal(live.headers['cache-control'], 'no-store');
    noSecrets(live.body);
    const liveBody = live.json<{ count: number; tokens: TokenBody[] }>();
    t.same(
      liveBody.tokens.map((x) => x.name),
      ['third', 'first', 'gov.uk', 'cumbria manager', 'ops'],
      'live tokens, newest first',
    );
    t.equal(liveBody.count, 5);
    t.same(Object.keys(liveBody.tokens[0] ?? {}).sort(), [
      'accountIds',
      'createdAt',
      'createdBy',
      'districtCodes',
      'id',
      'lastUsedAt',
      'name',
      'revokedAt',
      'role',
    ]);
    const createdAts = liveBody.tokens.map((x) => Date.parse(x.createdAt));
    t.same(
      createdAts,
      [...createdAts].sort((a, b) => b - a),
    );

    const all = await app.inject({ url: '/admin/tokens?includeRevoked=true', headers: as(admin.token) });
    noSecrets(all.body);
    const allTokens = all.json<{ tokens: TokenBody[] }>().tokens;
    t.same(
      allTokens.map((x) => x.name),
      ['third', 'second', 'first', 'gov.uk', 'cumbria manager', 'ops'],
    );
    t.match(
      allTokens.find((x) => x.name === 'second'),
      { revokedAt: /^\d{4}-/ },
    );
    t.ok(allTokens.filter((x) => x.name !== 'second').every((x) => x.revokedAt === null));
    const explicit = await app.inject({ url: '/admin/tokens?includeRevoked=false', headers: as(admin.token) });
    t.equal(explicit.json<{ count: number }>().count, 5);
    const bad = await app.inject({ url: '/admin/tokens?includeRevoked=yes', headers: as(admin.token) });
    t.equal(bad.statusCode, 400);
    t.match(bad.headers['content-type'], /application\/problem\+json/);

    const one = await app.inject({ url: `/admin/tokens/${issued[1]?.id}`, headers: as(admin.token) });
    t.equal(one.statusCode, 200);
    noSecrets(one.body);
    t.match(one.json(), { id: issued[1]?.id, name: 'second', role: 'reader', revokedAt: /^\d{4}-/, lastUsedAt: null });
    const unknown = await app.inject({
      url: '/admin/tokens/00000000-0000-4000-8000-000000000000',
      headers: as(admin.token),
    });
    t.equal(unknown.statusCode, 404);
    t.match(unknown.headers['content-type'], /application\/problem\+json/);
    t.match(unknown.json(), { status: 404, detail: /No token/ });
    t.equal((await app.inject({ url: '/admin/tokens/not-a-uuid', headers: as(admin.token) })).statusCode, 400);

    // The admin token has been used (recorded in the background), the cumbria token never.
    const lastUsed = async (id: string) =>
      (await database.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow())
        .last_used_at;
    for (let i = 0; i < 50 && !(await lastUsed(admin.record.id)); i++) await new Promise((r) => setTimeout(r, 20));
    const adminUsed = await lastUsed(admin.record.id);
    t.ok(adminUsed, 'last_used_at is set after authentication');
    t.equal(await lastUsed(cumbria.record.id), null);
    const shown = (
      await app.inject({ url: `/admin/tokens/${admin.record.id}`, headers: as(admin.token) })
    ).json<TokenBody>();
    t.equal(shown.lastUsedAt, adminUsed?.toISOString());
    // At most once a minute: a second write within the minute changes nothing, an older mark is moved on.
    t.equal(await touchToken(database.db, admin.record.id), false);
    t.same(await lastUsed(admin.record.id), adminUsed);
    await database.db
      .updateTable('api_tokens')
      .set({ last_used_at: sql`now() - interval '2 minutes'` })
      .where('id', '=', admin.record.id)
      .execute();
    t.equal(await touchToken(database.db, admin.record.id), true);
    t.ok(((await lastUsed(admin.record.id)) ?? new Date(0)) > new Date(Date.now() - 30_000));
  },
);

void t.test('a failure to record lastUsedAt never fails the request', async (t) => {
  const { app, database, reader, as } = await setup(t);
  await sql`create function refuse_touch() returns trigger language plpgsql as $$ begin raise exception 'touch refused'; end $$`.execute(
    database.db,
  );
  await sql`create trigger refuse_touch before update of last_used_at on api_tokens for each row execute function refuse_touch()`.execute(
    database.db,
  );
  const res = await app.inject({
    method: 'POST',
    url: '/offices/carlisle-8504/notices',
    headers: as(reader.token),
    payload: { status: 'open' },
  });
  t.equal(res.statusCode, 403, 'authenticated and refused for its role, not a 500');
  await Promise.allSettled([...app.pendingTokenTouches]);
  const row = await database.db
    .selectFrom('api_tokens')
    .select('last_used_at')
    .where('id', '=', reader.record.id)
    .executeTakeFirstOrThrow();
  t.equal(row.last_used_at, null, 'the write did fail');
});

void t.test(
  'revoking: the token gets 401 at once, again is 204, unknown is 404, the last live admin token is kept; audited',
  async (t) => {
    const { app, database, admin, as, adminActor } = await setup(t);
    const del = (id: string, token: string) =>
      app.inject({ method: 'DELETE', url: `/admin/tokens/${id}`, headers: as(token) });
    const manager = (
      await app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: as(admin.token),
        payload: { name: 'm', role: 'manager', districtCodes: ['105'] },
      })
    ).json<IssuedBody>();
    const post = (token: string) =>
      app.inject({
        method: 'POST',
        url: '/offices/carlisle-8504/notices',
        headers: as(token),
        payload: { status: 'open' },
      });
    t.equal((await post(manager.token)).statusCode, 201);

    const revoked = await del(manager.id, admin.token);
    t.equal(revoked.statusCode, 204);
    t.equal(revoked.body, '');
    const after = await post(manager.token);
    t.equal(after.statusCode, 401, 'a revoked token stops working at once');
    t.match(after.headers['content-type'], /application\/problem\+json/);
    t.match(after.headers['www-authenticate'], /^Bearer/);
    t.equal((await del(manager.id, admin.token)).statusCode, 204, 'revoking again is a 204 too');
    const unknown = await del('00000000-0000-4000-8000-000000000000', admin.token);
    t.equal(unknown.statusCode, 404);
    t.match(unknown.headers['content-type'], /application\/problem\+json/);
    t.equal((await del('nope', admin.token)).statusCode, 400);

    // The only live admin token cannot be revoked, not even by itself.
    const last = await del(admin.record.id, admin.token);
    t.equal(last.statusCode, 409);
    t.match(last.headers['content-type'], /application\/problem\+json/);
    t.match(last.json(), { status: 409, type: /last-admin-token$/ });
    t.equal(
      (await app.inject({ url: '/admin/tokens', headers: as(admin.token) })).statusCode,
      200,
      'and it still works',
    );
    // With a second admin, either may go, including the caller's own token; the last one stays.
    const second = (
      await app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: as(admin.token),
        payload: { name: 'second', role: 'admin' },
      })
    ).json<IssuedBody>();
    const third = (
      await app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: as(admin.token),
        payload: { name: 'third', role: 'admin' },
      })
    ).json<IssuedBody>();
    t.equal((await del(admin.record.id, second.token)).statusCode, 204);
    t.equal((await app.inject({ url: '/admin/tokens', headers: as(admin.token) })).statusCode, 401);
    t.equal((await del(second.id, second.token)).statusCode, 204, 'an admin may revoke its own token');
    t.equal((await app.inject({ url: '/admin/tokens', headers: as(second.token) })).statusCode, 401);
    t.equal((await del(third.id, third.token)).statusCode, 409);
    const liveAdmins = await database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .execute();
    t.same(
      liveAdmins.map((a) => a.id),
      [third.id],
    );

    const audit = await database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'token.revoked')
      .orderBy('id')
      .execute();
    t.same(
      audit.map((a) => [a.entity_id, a.actor]),
      [
        [manager.id, adminActor],
        [admin.record.id, `token:${second.id}:second`],
        [second.id, `token:${second.id}:second`],
      ],
      'one entry per revocation (none for a repeat or a refusal), with the admin who did it',
    );
    const hashes = (await database.db.selectFrom('api_tokens').select('token_hash').execute()).map((r) => r.token_hash);
    for (const entry of audit) {
      const text = JSON.stringify(entry);
      for (const secret of [admin.token, manager.token, second.token, third.token, ...hashes])
        t.notOk(text.includes(secret));
    }
  },
);

void t.test('two admins revoking each other at once leave one admin', async (t) => {
  const { app, database, admin, as } = await setup(t);
  const other = (
    await app.inject({
      method: 'POST',
      url: '/admin/tokens',
      headers: as(admin.token),
      payload: { name: 'other', role: 'admin' },
    })
  ).json<IssuedBody>();
  const [a, b] = await Promise.all([
    app.inject({ method: 'DELETE', url: `/admin/tokens/${other.id}`, headers: as(admin.token) }),
    app.inject({ method: 'DELETE', url: `/admin/tokens/${admin.record.id}`, headers: as(other.token) }),
  ]);
  const statuses = [a.statusCode, b.statusCode].sort();
  t.ok(
    statuses[0] === 204 && (statuses[1] === 409 || statuses[1] === 401),
    `one revoked, the other refused: ${statuses.join(', ')}`,
  );
  const live = await database.db
    .selectFrom('api_tokens')
    .select('id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .execute();
  t.equal(live.length, 1);
});

void t.test(
  'anonymous callers get 401 and non-admins 403 on every admin route; nothing is issued or revoked',
  async (t) => {
    const { app, database, admin, cumbria, reader } = await setup(t);
    const id = cumbria.record.id;
    const routes = [
      { method: 'POST', url: '/admin/tokens', payload: { name: 'x', role: 'admin' } },
      { method: 'GET', url: '/admin/tokens' },
      { method: 'GET', url: `/admin/tokens/${id}` },
      { method: 'DELETE', url: `/admin/tokens/${id}` },
    ] as const;
    const callers: [string | null, number, RegExp][] = [
      [null, 401, /bearer token is required/],
      ['Bearer jcp_nope', 401, /unknown or revoked/],
      ['Basic abc', 401, /Bearer <token>/],
      [`Bearer ${reader.token}`, 403, /admin role/],
      [`Bearer ${cumbria.token}`, 403, /admin role/],
    ];
    for (const route of routes) {
      for (const [authorization, status, detail] of callers) {
        const res = await app.inject({ ...route, headers: authorization === null ? {} : { authorization } });
        t.equal(res.statusCode, status, `${route.method} ${route.url} ${String(authorization)}`);
        t.match(res.headers['content-type'], /application\/problem\+json/);
        t.match(res.json(), { status, detail });
        if (status === 401) t.match(res.headers['www-authenticate'], /^Bearer realm=/);
        else t.notOk(res.headers['www-authenticate']);
      }
    }
    const tokens = await database.db.selectFrom('api_tokens').select(['id', 'revoked_at']).execute();
    t.equal(tokens.length, 3, 'nothing issued');
    t.ok(
      tokens.every((x) => x.revoked_at === null),
      'nothing revoked',
    );
    t.equal(
      (await app.inject({ url: '/admin/tokens', headers: { authorization: `Bearer ${admin.token}` } })).statusCode,
      200,
      'the admin passes',
    );
  },
);

void t.test('invalid token requests are 400 or 422 problem+json naming the field; nothing is issued', async (t) => {
  const { app, database, admin } = await setup(t);
  const cases: [unknown, number, string][] = [
    [{ name: 'x', role: 'superuser' }, 400, '/role'],
    [{ role: 'reader' }, 400, '/name'],
    [{ name: '   ', role: 'reader' }, 400, '/name'],
    [{ name: 'x'.repeat(101), role: 'reader' }, 400, '/name'],
    [{ name: 'bad\nname', role: 'reader' }, 400, '/name'],
    [{ name: 'x', role: 'reader', extra: 1 }, 400, ''],
    [{ name: 'x', role: 'manager', districtCodes: '105' }, 400, '/districtCodes'],
    [{ name: 'x', role: 'manager', districtCodes: [''] }, 400, '/districtCodes/0'],
    [{ name: 'x', role: 'manager' }, 422, '/districtCodes'],
    [{ name: 'x', role: 'manager', districtCodes: [], accountIds: [] }, 422, '/districtCodes'],
    [{ name: 'x', role: 'manager', districtCodes: ['105', '999'] }, 422, '/districtCodes/1'],
    [{ name: 'x', role: 'manager', accountIds: ['atlantis'] }, 422, '/accountIds/0'],
    [{ name: 'x', role: 'reader', districtCodes: ['105'] }, 422, '/districtCodes'],
    [{ name: 'x', role: 'admin', accountIds: ['district-105'] }, 422, '/accountIds'],
  ];
  for (const [payload, status, path] of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/tokens',
      payload: payload as object,
      headers: { authorization: `Bearer ${admin.token}` },
    });
    t.equal(res.statusCode, status, JSON.stringify(payload));
    t.match(res.headers['content-type'], /application\/problem\+json/);
    const errors = res.json<{ errors?: { path: string }[] }>().errors ?? [];
    t.ok(errors.length > 0, 'errors listed');
    if (path)
      t.ok(
        errors.some((e) => e.path === path),
        `${path} named in ${JSON.stringify(errors)}`,
      );
  }
  const unknown = await app.inject({
    method: 'POST',
    url: '/admin/tokens',
    payload: { name: 'x', role: 'manager', districtCodes: ['999'] },
    headers: { authorization: `Bearer ${admin.token}` },
  });
  t.match(unknown.json(), { status: 422, type: /token-rejected$/, detail: /No district 999/ });
  t.equal((await database.db.selectFrom('api_tokens').select('id').execute()).length, 3, 'nothing issued');
});

void t.test(
  'issuing with an Idempotency-Key: a retry gets the first token back, without its secret, and nothing new is issued',
  async (t) => {
    const { app, database, admin, as } = await setup(t);
    const issue = () =>
      app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: { ...as(admin.token), 'idempotency-key': 'issue-gov-uk' },
        payload: { name: 'gov.uk status page', role: 'reader' },
      });
    const first = await issue();
    t.equal(first.statusCode, 201, first.body);
    const issued = first.json<IssuedBody>();
    t.match(issued.token, /^jcp_/);
    const retry = await issue();
    t.equal(retry.statusCode, 201);
    t.equal(retry.headers['idempotent-replayed'], 'true');
    t.equal(retry.headers.location, first.headers.location);
    const replayed = retry.json<{ id: string; token: string | null }>();
    t.equal(replayed.id, issued.id, 'the same token');
    t.equal(replayed.token, null, 'its secret is not kept, even for a replay');
    const stored = await database.db.selectFrom('idempotency_keys').select('response_body').executeTakeFirstOrThrow();
    t.notMatch(JSON.stringify(stored.response_body), /jcp_/, 'no secret in the idempotency store');
    const named = await database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', 'gov.uk status page')
      .execute();
    t.equal(named.length, 1, 'one token issued');
    t.equal(
      (await app.inject({ url: '/statuses', headers: as(issued.token) })).statusCode,
      200,
      "and the first answer's secret works",
    );
  },
);
