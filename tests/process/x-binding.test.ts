// The X emulator runs only when asked for (`pnpm start` passes --x-emulator), never in
// production nor in `pnpm worker`, never writes into a database that holds real X identities,
// and, run alone, listens on 127.0.0.1 unless X_EMULATOR_HOST says otherwise. The credentials
// re-sealing command reports counts and never a secret.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDatabase,
  importOfficeRegistry,
  migrate,
  readMigrations,
  readRegistryFiles,
  type Database,
} from '@jcp/db';
import {
  createEmptyPostgresDatabase,
  freePort,
  runScript,
  spawnScript,
  testServerUrl,
  waitForExit,
  waitForReady,
  type Teardown,
} from '@jcp/testing';
import { storeSealedCredentials } from '@jcp/use-cases';
import { sealAccountTokens } from '@jcp/x-client';
import t from 'tap';

const CUMBRIA = 'district-105';

/** A database (PostgreSQL, or a PGlite folder) with the register and real credentials for one account, closed again; its environment and a way to look inside. */
async function realDatabase(t: Teardown) {
  const key = randomBytes(32);
  const env: Record<string, string> = testServerUrl
    ? { DATABASE_URL: await createEmptyPostgresDatabase(t, testServerUrl) }
    : { PGLITE_DATA_DIR: join(await mkdtemp(join(tmpdir(), 'jcp-pglite-')), 'db') };
  Object.assign(env, { X_CREDENTIALS_KEY: key.toString('base64'), X_EMULATOR_PORT: '0', LOG_LEVEL: 'info' });
  const open = () => createDatabase({ url: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR ?? '' });
  const look = async <T>(fn: (database: Database) => Promise<T>): Promise<T> => {
    const database = await open();
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  };
  await look(async (database) => {
    await migrate(database.db, await readMigrations());
    await importOfficeRegistry(database.db, await readRegistryFiles(), { actor: 'test' });
    const sealed = sealAccountTokens({ accessToken: '4242-real-token', accessSecret: 'real-secret' }, key, CUMBRIA);
    await storeSealedCredentials({ db: database.db }, 'token:1:ops', CUMBRIA, {
      sealed,
      xUserId: '4242',
      target: { kind: 'x', baseUrl: 'https://api.x.com' },
    });
  });
  const accounts = () =>
    look(async (database) => {
      const rows = await database.db
        .selectFrom('accounts')
        .select(['id', 'x_user_id', 'credentials_encrypted', 'paused', 'updated_at'])
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        ...r,
        credentials_encrypted: r.credentials_encrypted ? Buffer.from(r.credentials_encrypted).toString('hex') : null,
      }));
    });
  return { env, key, accounts, look };
}

void t.test('pnpm start on a database holding real credentials, without X_API_BASE_URL, writes nothing', async (t) => {
  const real = await realDatabase(t);
  const before = await real.accounts();
  t.equal(before.filter((c) => c.credentials_encrypted !== null).length, 1);

  const asked = await runScript(
    'apps/start/src/main.ts',
    ['--x-emulator'],
    { ...real.env, PORT: String(await freePort()) },
    120_000,
  );
  t.equal(asked.code, 1, 'the emulator is refused: the service does not start');
  t.match(
    asked.stdout + asked.stderr,
    /this database is bound to a real X API \(https:\/\/api\.x\.com\).*the X emulator writes no identity into it/,
  );
  t.notMatch(asked.stdout + asked.stderr, /4242-real-token|real-secret/);
  t.same(await real.accounts(), before, 'no account touched');

  const port = await freePort();
  const server = spawnScript('apps/serve/src/main.ts', [], { ...real.env, PORT: String(port) });
  const exited = waitForExit(server, 120_000);
  t.equal(await waitForReady(port), 200, 'without --x-emulator the API starts');
  t.match(server.output.stdout, /no X configured: nothing is posted to X and no mention is read/);
  const crc = await fetch(
    `http://127.0.0.1:${port}/webhooks/x?crc_token=M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0`,
  );
  t.equal(crc.status, 503, "the webhook is not served (no app secret at all, let alone the emulator's)");
  const post = await fetch(`http://127.0.0.1:${port}/webhooks/x`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(post.status, 503);
  server.kill('SIGTERM');
  t.equal((await exited).code, 0);
  t.same(await real.accounts(), before, 'still no account touched');
});

void t.test('pnpm start on a fresh database runs the emulator and gives the accounts its identities', async (t) => {
  const env = testServerUrl
    ? { DATABASE_URL: await createEmptyPostgresDatabase(t, testServerUrl) }
    : { PGLITE_DATA_DIR: join(await mkdtemp(join(tmpdir(), 'jcp-pglite-')), 'db') };
  const port = await freePort();
  const xPort = await freePort();
  const server = spawnScript('apps/start/src/main.ts', [], {
    ...env,
    PORT: String(port),
    X_EMULATOR_PORT: String(xPort),
  });
  const exited = waitForExit(server, 120_000);
  t.equal(await waitForReady(port), 200);
  const health = await fetch(`http://127.0.0.1:${xPort}/_control/health`).then(
    (r) => r.json() as Promise<{ accounts: number }>,
  );
  t.ok(health.accounts > 30, 'every account on the emulator');
  t.equal(
    (await fetch(`http://127.0.0.1:${port}/webhooks/x?crc_token=M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0`))
      .status,
    200,
    "the webhook, with the emulator's secret, on the emulator's database",
  );
  server.kill('SIGTERM');
  t.equal((await exited).code, 0);
});

void t.test('production never runs the emulator, and the worker never does', async (t) => {
  const real = await realDatabase(t);
  const before = await real.accounts();
  const production = await runScript('apps/start/src/main.ts', ['--x-emulator'], {
    ...real.env,
    NODE_ENV: 'production',
    PORT: String(await freePort()),
  });
  t.equal(production.code, 1);
  t.match(production.stderr, /the X emulator never runs in production \(NODE_ENV=production\): set X_API_BASE_URL/);
  const unknown = await runScript('apps/serve/src/main.ts', ['--emulator'], {
    ...real.env,
    PORT: String(await freePort()),
  });
  t.equal(unknown.code, 1, 'an unknown flag is refused');
  t.match(unknown.stderr, /usage: /);
  if (testServerUrl) {
    const worker = await runScript('services/worker/src/main.ts', [], { ...real.env, X_API_BASE_URL: '' });
    t.equal(worker.code, 1);
    t.match(worker.stdout + worker.stderr, /X_API_BASE_URL is required/);
  }
  t.same(await real.accounts(), before);
});

void t.test('the standalone emulator listens on 127.0.0.1 whatever HOST says; X_EMULATOR_HOST chooses', async (t) => {
  const port = await freePort();
  const emulator = spawnScript('services/x-emulator/src/server.ts', [], {
    X_EMULATOR_PORT: String(port),
    HOST: '0.0.0.0',
  });
  const exited = waitForExit(emulator, 60_000);
  let up = false;
  for (const deadline = Date.now() + 30_000; !up && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
    up = await fetch(`http://127.0.0.1:${port}/_control/health`).then(
      (r) => r.ok,
      () => false,
    );
  }
  t.ok(up, 'answers on 127.0.0.1');
  // Any address of this machine other than loopback must not answer.
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (outside) {
    const reached = await fetch(`http://${outside}:${port}/_control/health`, {
      signal: AbortSignal.timeout(3_000),
    }).then(
      () => true,
      () => false,
    );
    t.notOk(reached, `not reachable on ${outside}`);
  }
  t.match(emulator.output.stdout + emulator.output.stderr, new RegExp(`listening at http://127\\.0\\.0\\.1:${port}`));
  emulator.kill('SIGTERM');
  await exited;
});

void t.test('pnpm rotate-credentials seals again under the new key, reports counts, prints no secret', async (t) => {
  const real = await realDatabase(t);
  const newKey = randomBytes(32).toString('base64');
  const env = { ...real.env, X_CREDENTIALS_KEY: newKey, X_CREDENTIALS_KEY_PREVIOUS: real.env.X_CREDENTIALS_KEY! };
  const dry = await runScript('services/api/src/cli/rotate-credentials.ts', ['--dry-run'], env);
  t.equal(dry.code, 0, dry.stderr);
  t.match(
    dry.stdout,
    /credentials of 1 account\(s\), current key [0-9a-f]{12}: 1 to seal again, 0 already current, 0 changed meanwhile \(left as they are\), 0 could not be opened/,
  );
  const run = await runScript('services/api/src/cli/rotate-credentials.ts', ['--batch', '10'], env);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /1 sealed again, 0 already current/);
  const again = await runScript('services/api/src/cli/rotate-credentials.ts', [], {
    ...env,
    X_CREDENTIALS_KEY_PREVIOUS: '',
  });
  t.match(again.stdout, /0 sealed again, 1 already current/, 'idempotent, and the new key alone opens them');
  const wrong = await runScript('services/api/src/cli/rotate-credentials.ts', [], {
    ...real.env,
    X_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  });
  t.equal(wrong.code, 1, 'credentials no configured key opens: exit 1');
  t.match(wrong.stderr, new RegExp(`${CUMBRIA}: sealed with key [0-9a-f]{12}, which is neither X_CREDENTIALS_KEY`));
  const printed = [dry, run, again, wrong].map((r) => r.stdout + r.stderr).join('\n');
  for (const secret of ['4242-real-token', 'real-secret', newKey, real.env.X_CREDENTIALS_KEY!])
    t.notOk(printed.includes(secret), 'no token or key printed');
});
