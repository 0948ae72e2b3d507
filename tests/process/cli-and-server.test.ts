import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRegistryFiles } from '@jcp/db';
import {
  createEmptyPostgresDatabase,
  type Teardown,
  freePort,
  runScript,
  spawnScript,
  testServerUrl,
  waitForExit,
  waitForReady,
} from '@jcp/testing';
import t from 'tap';

/** Environment for a process with its own empty database (PostgreSQL, or a PGlite folder). */
async function isolatedEnv(t: Teardown): Promise<Record<string, string>> {
  // X_EMULATOR_PORT 0: the embedded X emulator on a free port, so that servers can run side by side.
  if (testServerUrl) return { DATABASE_URL: await createEmptyPostgresDatabase(t, testServerUrl), X_EMULATOR_PORT: '0' };
  return { PGLITE_DATA_DIR: join(await mkdtemp(join(tmpdir(), 'jcp-pglite-')), 'db'), X_EMULATOR_PORT: '0' };
}

void t.test('import-offices exits 1 and names the line of each rejected row; valid rows load', async (t) => {
  const env = await isolatedEnv(t);
  const dir = await mkdtemp(join(tmpdir(), 'jcp-import-'));
  const real = (await readFile(defaultRegistryFiles.offices, 'utf8')).trimEnd().split(/\r?\n/);
  const file = join(dir, 'offices.csv');
  await writeFile(file, [real[0], real[1], '1234,,"1 Road, Town",CA3 8DG,101,x,11,Wales,', real[2]].join('\n'));
  const bad = await runScript('services/api/src/cli/import-offices.ts', ['--offices', file], env);
  t.equal(bad.code, 1);
  t.match(bad.stdout, /3 rows, 2 added/);
  t.match(bad.stderr, /offices line 3: name: missing/);
  const good = await runScript('services/api/src/cli/import-offices.ts', [], env);
  t.equal(good.code, 0, good.stderr);
  t.match(good.stdout, /631 rows, 629 added, 0 updated, 2 unchanged, 0 closed permanently, 0 rejected/);
  const again = await runScript('services/api/src/cli/import-offices.ts', [], env);
  t.match(again.stdout, /631 rows, 0 added, 0 updated, 631 unchanged, 0 closed permanently, 0 rejected/);
});

void t.test('a malformed variable stops the service with a message naming it', async (t) => {
  const run = await runScript('apps/serve/src/main.ts', [], {
    PORT: 'eighty',
    DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:9/x',
  });
  t.equal(run.code, 1);
  t.match(run.stderr, /PORT: /);
  t.notMatch(run.stderr + run.stdout, /hunter2/);
});

void t.test(
  'the service starts on an empty database, seeds 631 offices, serves health, and stops on SIGTERM',
  async (t) => {
    const env = await isolatedEnv(t);
    const port = await freePort();
    const server = spawnScript('apps/serve/src/main.ts', [], { ...env, PORT: String(port) });
    const exited = waitForExit(server, 120_000);
    const ready = await waitForReady(port);
    t.equal(ready, 200, 'readyz answers 200');
    t.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    t.match(server.output.stdout, /"inserted":631/, 'the registry was seeded');
    server.kill('SIGTERM');
    const result = await exited;
    t.equal(result.code, 0, 'graceful exit');
    t.match(result.stdout, /shutting down/);
  },
);

void t.test('a second process cannot open the embedded database the service holds', async (t) => {
  const env = { PGLITE_DATA_DIR: join(await mkdtemp(join(tmpdir(), 'jcp-pglite-')), 'db'), X_EMULATOR_PORT: '0' };
  const port = await freePort();
  const server = spawnScript('apps/serve/src/main.ts', [], { ...env, PORT: String(port) });
  const exited = waitForExit(server, 120_000);
  const ready = await waitForReady(port);
  t.equal(ready, 200);
  const second = await runScript('services/api/src/cli/migrate.ts', [], env);
  t.equal(second.code, 1);
  t.match(second.stderr, new RegExp(`in use by process ${server.pid}`));
  server.kill('SIGTERM');
  t.equal((await exited).code, 0);
  const after = await runScript('services/api/src/cli/migrate.ts', [], env);
  t.equal(after.code, 0, 'free again once the service stopped');
  t.match(after.stdout, /no pending migrations/);
});

void t.test('with MIGRATE_ON_START=false on an unmigrated database the service says what to do', async (t) => {
  const env = await isolatedEnv(t);
  const run = await runScript('apps/serve/src/main.ts', [], {
    ...env,
    MIGRATE_ON_START: 'false',
    PORT: String(await freePort()),
  });
  t.equal(run.code, 1);
  t.match(run.stdout + run.stderr, /migration\(s\) not applied .*run pnpm migrate/);
});
