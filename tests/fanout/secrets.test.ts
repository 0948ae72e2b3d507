// Credentials never reach logs: neither the dispatcher's (at trace level, through
// retries, a lost answer and rejected credentials) nor the API's when they are set.
import { Writable } from 'node:stream';
import { createLogger } from '@jcp/log';
import { EMULATOR_APP } from '@jcp/use-cases';
import { createXClient, openAccountTokens } from '@jcp/x-client';
import t from 'tap';
import { CARLISLE, CUMBRIA, fanoutFixture, waitFor } from './fixture.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

void t.test('the dispatcher logs what happened to a post, never a token or secret', async (t) => {
  const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
  const log = capture();
  const logger = createLogger({ level: 'trace', format: 'json', name: 'test' }, log.stream);
  const stored = await f.database.db
    .selectFrom('accounts')
    .select(['credentials_encrypted', 'x_user_id', 'handle'])
    .where('id', '=', CUMBRIA)
    .executeTakeFirstOrThrow();
  const tokens = openAccountTokens(
    Buffer.from(stored.credentials_encrypted!).toString('utf8'),
    f.credentialsKey,
    CUMBRIA,
  );
  await f.control('POST', '/_control/faults', {
    kind: 'status',
    status: 503,
    method: 'POST',
    path: '/2/tweets',
    count: 1,
  });
  await f.control('POST', '/_control/faults', { kind: 'lostAnswer', method: 'POST', path: '/2/tweets', count: 1 });
  await f.newDispatcher({ logger }).start();
  await f.notice({ status: 'closed', cause: 'weather', offices: [CARLISLE] });
  await waitFor(
    'delivered',
    async () =>
      (await f.database.db.selectFrom('fanout_posts').select('state').executeTakeFirst())?.state === 'delivered',
  );
  // Then X forgets the tokens: 401, the account is paused.
  await f.control('POST', '/_control/accounts', {
    id: stored.x_user_id,
    username: stored.handle,
    accessToken: 'other',
    accessTokenSecret: 'other',
  });
  await f.notice({ status: 'open', offices: [CARLISLE] });
  await waitFor(
    'paused',
    async () =>
      (await f.database.db.selectFrom('accounts').select('paused').where('id', '=', CUMBRIA).executeTakeFirstOrThrow())
        .paused,
  );
  const text = log.text();
  t.match(text, /post will be retried/, 'the retry is logged');
  t.match(text, /X rejected the account’s credentials: account paused/, 'and the rejection');
  for (const secret of [
    tokens.accessToken,
    tokens.accessSecret,
    EMULATOR_APP.appSecret,
    f.credentialsKey.toString('base64'),
  ]) {
    t.notOk(text.includes(secret), 'no token, secret or key in the logs');
  }
});

void t.test('setting credentials through the API logs no secret, even at trace level', async (t) => {
  const f = await fanoutFixture(t, { accounts: [] });
  const log = capture();
  const { buildApp } = await import('@jcp/api');
  const { migrations } = await import('../api/fixture.js');
  const app = await buildApp({
    database: f.database,
    migrations,
    logger: createLogger({ level: 'trace', format: 'json', name: 'test' }, log.stream),
    fanout: {
      credentialsKey: f.credentialsKey,
      xTarget: { kind: 'emulator' },
      verifyAccount: async (tokens) => {
        const me = await createXClient({ baseUrl: f.baseUrl, ...EMULATOR_APP, ...tokens }).v2.me();
        return { id: me.data.id, username: me.data.username };
      },
    },
  });
  t.teardown(() => app.close());
  const handle = await f.handleOf(CUMBRIA);
  await f.control('POST', '/_control/accounts', {
    id: '424242',
    username: handle,
    accessToken: 'tok-SECRET-1',
    accessTokenSecret: 'sec-SECRET-2',
  });
  const wrong = await app.inject({
    method: 'PUT',
    url: `/admin/accounts/${CUMBRIA}/credentials`,
    headers: f.bearer(f.admin),
    payload: { accessToken: 'tok-WRONG-3', accessSecret: 'sec-WRONG-4' },
  });
  t.equal(wrong.statusCode, 422, 'X rejected them');
  const ok = await app.inject({
    method: 'PUT',
    url: `/admin/accounts/${CUMBRIA}/credentials`,
    headers: f.bearer(f.admin),
    payload: { accessToken: 'tok-SECRET-1', accessSecret: 'sec-SECRET-2' },
  });
  t.equal(ok.statusCode, 200);
  t.equal(ok.json<{ xUserId: string }>().xUserId, '424242', 'X said whose they are');
  t.notMatch(ok.body, /SECRET/, 'not in the answer');
  await new Promise((resolve) => setImmediate(resolve));
  t.notMatch(log.text(), /SECRET|WRONG/, 'not in the logs');
  const audit = await f.database.db.selectFrom('audit_log').selectAll().where('entity_type', '=', 'account').execute();
  t.notMatch(JSON.stringify(audit), /SECRET|WRONG/, 'not in the audit log');
});
