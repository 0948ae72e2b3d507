import { revokeToken } from '@jcp/db';
import type { Teardown } from '@jcp/testing';
import t from 'tap';
import { apiFixture } from './fixture.js';

const setup = (t: Teardown) => apiFixture(t);

const closure = {
  status: 'closed',
  cause: 'weather',
  message: 'Closed today because of heavy snow',
  expectedReopenAt: '2030-01-01T09:00:00Z',
};

void t.test(
  'a manager closes an office in scope; the status reads back; the write is audited with the token',
  async (t) => {
    const { app, cumbria, database } = await setup(t);
    const res = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: { authorization: `Bearer ${cumbria.token}` },
      payload: closure,
    });
    t.equal(res.statusCode, 201, res.body);
    const body = res.json<{ noticeId: string; currentStatus: { status: string; reopenCertainty: string } }>();
    t.match(body, {
      officeId: 'carlisle-8504',
      currentStatus: { status: 'closed', cause: 'weather', reopenCertainty: 'expected' },
    });
    t.equal(res.headers.location, '/offices/carlisle-8504');
    const read = await app.inject('/offices/carlisle-8504');
    t.match(read.json(), { currentStatus: { status: 'closed', noticeId: body.noticeId } });
    const audit = await database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', body.noticeId)
      .executeTakeFirstOrThrow();
    t.equal(audit.actor, `token:${cumbria.record.id}:cumbria manager`);
    const reopen = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: { authorization: `Bearer ${cumbria.token}` },
      payload: { status: 'open' },
    });
    t.equal(reopen.statusCode, 201);
    t.match((await app.inject('/offices/carlisle-8504')).json(), { currentStatus: { status: 'open' } });
  },
);

void t.test('scope, role, missing, malformed and revoked tokens are refused, and nothing is written', async (t) => {
  const { app, cumbria, reader, admin, database } = await setup(t);
  const post = (token: string | null, url = '/offices/aberdare-9820/notices', payload: object = closure) =>
    app.inject({ method: 'POST', url, payload, headers: token === null ? {} : { authorization: token } });
  const cases: [string | null, number, RegExp][] = [
    [null, 401, /bearer token is required/],
    ['Basic abc', 401, /Bearer <token>/],
    ['Bearer jcp_nope', 401, /unknown or revoked/],
    [`Bearer ${reader.token}`, 403, /manager role/],
    [`Bearer ${cumbria.token}`, 403, /outside this token's districts/],
  ];
  for (const [token, status, detail] of cases) {
    const res = await post(token);
    t.equal(res.statusCode, status, String(token));
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { status, detail });
    if (status === 401) t.match(res.headers['www-authenticate'], /^Bearer/);
  }
  t.equal((await database.db.selectFrom('status_notices').select('id').execute()).length, 0);
  t.equal((await post(`Bearer ${admin.token}`)).statusCode, 201, 'an admin covers every office');
  await revokeToken(database.db, cumbria.record.id, 'test');
  t.equal(
    (await post(`Bearer ${cumbria.token}`, '/offices/carlisle-8504/notices')).statusCode,
    401,
    'a revoked token stops working at once',
  );
});

void t.test('invalid notices are 400 or 422 problem+json naming the field', async (t) => {
  const { app, admin } = await setup(t);
  const post = (payload: unknown, url = '/offices/carlisle-8504/notices') =>
    app.inject({
      method: 'POST',
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${admin.token}` },
    });
  const cases: [unknown, number, string][] = [
    [{ status: 'shut' }, 400, '/status'],
    [{ ...closure, cause: 'aliens' }, 400, '/cause'],
    [{ ...closure, from: 'tomorrow' }, 400, '/from'],
    [{ ...closure, extra: 1 }, 400, ''],
    [{ status: 'closed' }, 422, '/cause'],
    [{ status: 'delayed', cause: 'weather' }, 422, '/expectedReopenAt'],
    [{ ...closure, from: '2030-01-02T00:00:00Z' }, 422, '/expectedReopenAt'],
    [{ ...closure, until: '2000-01-01T00:00:00Z', from: '2000-01-01T00:00:00Z' }, 422, '/until'],
  ];
  for (const [payload, status, path] of cases) {
    const res = await post(payload);
    t.equal(res.statusCode, status, JSON.stringify(payload));
    t.match(res.headers['content-type'], /application\/problem\+json/);
    const errors = res.json<{ errors?: { path: string }[] }>().errors ?? [];
    if (path)
      t.ok(
        errors.some((e) => e.path.startsWith(path)),
        `${path} named in ${JSON.stringify(errors)}`,
      );
  }
  t.equal((await post(closure, '/offices/atlantis-1/notices')).statusCode, 404);
  const notJson = await app.inject({
    method: 'POST',
    url: '/offices/carlisle-8504/notices',
    payload: '{bad',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
  });
  t.equal(notJson.statusCode, 400);
  t.match(notJson.headers['content-type'], /application\/problem\+json/);
});

void t.test('an office closed for good takes no notice, alone, in a list or by a correction', async (t) => {
  const { app, admin, database } = await setup(t);
  const auth = { authorization: `Bearer ${admin.token}` };
  const refusedAsClosed = (res: { statusCode: number; json: () => unknown }, gone: string, name: string) => {
    t.equal(res.statusCode, 422, name);
    t.match(
      res.json(),
      { type: /\/notice-rejected$/, status: 422, detail: `office(s) closed permanently: ${gone}`, errors: [] },
      name,
    );
  };
  const notices = async () =>
    Number(
      (
        await database.db
          .selectFrom('status_notices')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await notices();
  // Bishop Auckland is in the register as closed for good since 2018.
  refusedAsClosed(
    await app.inject({ method: 'POST', url: '/offices/bishop-auckland-8822/notices', headers: auth, payload: closure }),
    'bishop-auckland-8822',
    'the office itself',
  );
  refusedAsClosed(
    await app.inject({
      method: 'POST',
      url: '/notices',
      headers: auth,
      payload: { ...closure, offices: ['carlisle-8504', 'bishop-auckland-8822'] },
    }),
    'bishop-auckland-8822',
    'one of a list: the whole notice refused',
  );
  const posted = await app.inject({
    method: 'POST',
    url: '/offices/penrith-8511/notices',
    headers: auth,
    payload: closure,
  });
  t.equal(posted.statusCode, 201, posted.body);
  await database.db
    .updateTable('offices')
    .set({ closed_permanently_on: '2026-11-25' })
    .where('id', '=', 'penrith-8511')
    .execute();
  const { noticeId } = posted.json<{ noticeId: string }>();
  refusedAsClosed(
    await app.inject({ method: 'POST', url: `/notices/${noticeId}/correction`, headers: auth, payload: closure }),
    'penrith-8511',
    'a correction of a notice for an office closed since',
  );
  refusedAsClosed(
    await app.inject({ method: 'POST', url: `/notices/${noticeId}/cancellation`, headers: auth, payload: {} }),
    'penrith-8511',
    'its cancellation',
  );
  t.equal(await notices(), before + 1, 'nothing written but the one notice posted before the office closed');
});
