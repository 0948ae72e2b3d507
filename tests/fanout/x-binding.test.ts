// A database belongs to one kind of X (migration 0008): the emulator writes its identities only
// into a database that is its own (bound to it, or holding no X identity at all), and real
// credentials are stored only in a database that is not the emulator's. Refusals write nothing.
import { randomBytes } from 'node:crypto';
import { buildApp } from '@jcp/api';
import { readXBinding, XBindingConflict, type Database } from '@jcp/db';
import { provisionEmulatorAccounts } from '@jcp/start';
import { EMULATOR_APP, storeSealedCredentials } from '@jcp/use-cases';
import { buildEmulator } from '@jcp/x-emulator';
import { sealAccountTokens } from '@jcp/x-client';
import type { Teardown } from '@jcp/testing';
import t from 'tap';
import { apiFixture, migrations } from '../api/fixture.js';
import { CUMBRIA, fanoutFixture } from './fixture.js';

const REAL_X = { kind: 'x', baseUrl: 'https://api.x.com' } as const;

/** Every account's X identity and the audit log's length: what a refusal must leave as it was. */
async function snapshot(database: Database) {
  const accounts = await database.db
    .selectFrom('accounts')
    .select(['id', 'x_user_id', 'credentials_encrypted', 'updated_at'])
    .orderBy('id')
    .execute();
  const audit = await database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return {
    accounts: accounts.map((c) => ({
      ...c,
      credentials_encrypted: c.credentials_encrypted ? Buffer.from(c.credentials_encrypted).toString('hex') : null,
    })),
    audit: audit.n,
    binding: await readXBinding(database.db),
  };
}

function emulator(t: Teardown) {
  const x = buildEmulator({ consumerKey: EMULATOR_APP.appKey, consumerSecret: EMULATOR_APP.appSecret });
  t.teardown(() => x.close());
  return x;
}

/** Real credentials stored for Cumbria as an admin would, verified by a real X: binds the database to it. */
async function storeRealCredentials(database: Database, key: Buffer) {
  const sealed = sealAccountTokens({ accessToken: '4242-real-token', accessSecret: 'real-secret' }, key, CUMBRIA);
  t.ok(
    await storeSealedCredentials({ db: database.db }, 'token:1:ops', CUMBRIA, {
      sealed,
      xUserId: '4242',
      target: REAL_X,
    }),
  );
}

void t.test(
  'the emulator binds a database with no X identity to itself, and finds its own identities again',
  async (t) => {
    const f = await fanoutFixture(t);
    t.match(await readXBinding(f.database.db), { kind: 'emulator', baseUrl: null, boundBy: 'system:x-emulator' });
    const identities = await f.database.db
      .selectFrom('accounts')
      .select(['id', 'x_user_id'])
      .where('credentials_encrypted', 'is not', null)
      .execute();
    t.ok(identities.length > 30, 'every account has an identity on the emulator');
    t.equal(
      await provisionEmulatorAccounts(f.database, emulator(t), f.credentialsKey),
      identities.length,
      'a restart registers the same ones',
    );
  },
);

void t.test('the emulator refuses a database bound to a real X: nothing is written, nothing registered', async (t) => {
  const { database } = await apiFixture(t);
  const key = randomBytes(32);
  await storeRealCredentials(database, key);
  t.match(await readXBinding(database.db), { kind: 'x', baseUrl: 'https://api.x.com', boundBy: 'token:1:ops' });
  const before = await snapshot(database);
  const x = emulator(t);
  const error = await provisionEmulatorAccounts(database, x, key).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(error instanceof XBindingConflict);
  t.match(
    (error as Error).message,
    /this database is bound to a real X API \(https:\/\/api\.x\.com\).*the X emulator writes no identity into it/,
  );
  t.same(await snapshot(database), before, 'no account touched, no audit entry');
  t.match((await x.inject('/_control/health')).json(), { accounts: 0 }, 'no account on the emulator');
});

void t.test(
  'the emulator refuses an unbound database that holds X user ids or credentials it did not write',
  async (t) => {
    for (const held of ['x_user_id', 'credentials_encrypted'] as const) {
      const { database } = await apiFixture(t);
      t.equal(await readXBinding(database.db), null, 'a new database is bound to nothing');
      await database.db
        .updateTable('accounts')
        .set(
          held === 'x_user_id'
            ? { x_user_id: '783214' }
            : { credentials_encrypted: Buffer.from('v2.sealed-elsewhere') },
        )
        .where('id', '=', CUMBRIA)
        .execute();
      const before = await snapshot(database);
      const error = await provisionEmulatorAccounts(database, emulator(t), randomBytes(32)).then(
        () => null,
        (e: unknown) => e,
      );
      t.ok(error instanceof XBindingConflict, held);
      t.match(
        (error as Error).message,
        /holds X credentials or X user ids for 1 account\(s\) that the X emulator did not write/,
      );
      t.same(await snapshot(database), before, `${held}: nothing written, still unbound`);
    }
  },
);

void t.test(
  "real credentials are refused (409) in a database of the emulator, and the emulator's in a database of a real X",
  async (t) => {
    const cases = [
      {
        bound: 'emulator',
        app: REAL_X,
        message: /bound to the X emulator.*real X credentials are not stored beside them/,
      },
      {
        bound: 'x',
        app: { kind: 'emulator' },
        message: /bound to a real X API.*the X emulator writes no identity into it/,
      },
    ] as const;
    for (const c of cases) {
      const f =
        c.bound === 'emulator'
          ? await fanoutFixture(t, { accounts: [] })
          : { ...(await apiFixture(t)), credentialsKey: randomBytes(32) };
      if (c.bound === 'x') await storeRealCredentials(f.database, f.credentialsKey);
      const app = await buildApp({
        database: f.database,
        migrations,
        fanout: {
          credentialsKey: f.credentialsKey,
          xTarget: c.app,
          verifyAccount: async () => ({ id: '99', username: await handle(f.database) }),
        },
      });
      t.teardown(() => app.close());
      const before = await snapshot(f.database);
      const res = await app.inject({
        method: 'PUT',
        url: `/admin/accounts/${CUMBRIA}/credentials`,
        headers: f.bearer(f.admin),
        payload: { accessToken: '99-token', accessSecret: 'secret' },
      });
      t.equal(res.statusCode, 409, res.body);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
      t.match(res.json(), { type: /\/problems\/x-binding-conflict$/, detail: c.message });
      t.notMatch(res.body, /99-token|secret"/, 'no token in the answer');
      t.same(await snapshot(f.database), before, 'nothing stored');
    }
  },
);

void t.test(
  'the emulator and real credentials at the same moment on an unbound database: one wins, the other writes nothing',
  async (t) => {
    for (let round = 0; round < 3; round++) {
      const { database } = await apiFixture(t);
      const key = randomBytes(32);
      const sealed = sealAccountTokens({ accessToken: '4242-real-token', accessSecret: 'real-secret' }, key, CUMBRIA);
      const [provisioned, stored] = await Promise.allSettled([
        provisionEmulatorAccounts(database, emulator(t), key),
        storeSealedCredentials({ db: database.db }, 'token:1:ops', CUMBRIA, {
          sealed,
          xUserId: '4242',
          target: REAL_X,
        }),
      ]);
      const binding = await readXBinding(database.db);
      const withIdentity = await database.db
        .selectFrom('accounts')
        .select(['id', 'x_user_id'])
        .where('credentials_encrypted', 'is not', null)
        .execute();
      if (binding?.kind === 'emulator') {
        t.equal(provisioned.status, 'fulfilled');
        t.ok(
          stored.status === 'rejected' && stored.reason instanceof XBindingConflict,
          'the real credentials were refused',
        );
        t.notOk(
          withIdentity.some((c) => c.x_user_id === '4242'),
          'and not stored',
        );
      } else {
        t.equal(binding?.kind, 'x');
        t.ok(
          provisioned.status === 'rejected' && provisioned.reason instanceof XBindingConflict,
          'the emulator was refused',
        );
        t.same(withIdentity, [{ id: CUMBRIA, x_user_id: '4242' }], 'only the real credentials are stored');
      }
    }
  },
);

async function handle(database: Database): Promise<string> {
  return (await database.db.selectFrom('accounts').select('handle').where('id', '=', CUMBRIA).executeTakeFirstOrThrow())
    .handle;
}
