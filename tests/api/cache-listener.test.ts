import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '@jcp/api';
import { importOfficeRegistry, issueToken, readMigrations, readRegistryFiles, type Database } from '@jcp/db';
import { createTestDatabase, type Teardown } from '@jcp/testing';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  UnknownRow,
} from 'kysely';
import t from 'tap';

// The status-events plugin's bookkeeping around a LISTEN connection that drops and
// comes back, driven by hand: the database's `listen` is replaced by one the test
// controls, and the registrations in cache_listeners can be held or made to fail.
// (tests/api/outage.test.ts acts out a real PostgreSQL outage.)

const migrations = await readMigrations();
const registry = await readRegistryFiles();

/** Holds back or fails the answers of inserts into cache_listeners (a registration). */
class RegistrationGate implements KyselyPlugin {
  private readonly registrations = new WeakSet<object>();
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;
  failures = 0;
  waiting = 0;

  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
    this.held = null;
  }

  transformQuery({ queryId, node }: PluginTransformQueryArgs) {
    if (node.kind === 'InsertQueryNode' && JSON.stringify(node.into).includes('"cache_listeners"'))
      this.registrations.add(queryId);
    return node;
  }

  async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (!this.registrations.has(queryId)) return result;
    if (this.held) {
      this.waiting++;
      await this.held;
      this.waiting--;
    }
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    }
    return result;
  }
}

async function setup(t: Teardown) {
  const database = await createTestDatabase(t);
  const gate = new RegistrationGate();
  let onState: (listening: boolean) => void = () => {};
  const controlled: Database = {
    ...database,
    db: database.db.withPlugin(gate),
    listen: async (_channel, _onMessage, state) => {
      onState = state ?? (() => {});
      onState(true);
      return async () => {};
    },
  };
  const app = await buildApp({ database: controlled, migrations });
  t.teardown(() => app.close());
  await app.ready();
  const registered = async () =>
    Number(
      (
        await database.db
          .selectFrom('cache_listeners')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { app, gate, registered, setListening: (listening: boolean) => onState(listening) };
}

async function until(ms: number, holds: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!holds() && Date.now() < deadline) await sleep(10);
  return holds();
}

void t.test(
  'a registration that completes after the listener dropped again does not turn caching back on',
  async (t) => {
    const { app, gate, registered, setListening } = await setup(t);
    t.ok(await until(2_000, () => app.representations.isListening), 'caching at start');
    await app.inject('/statuses');
    t.ok(app.representations.size > 0, 'a read is cached');

    gate.hold();
    setListening(false);
    t.equal(app.representations.size, 0, 'the listener drops: the cache is emptied');
    setListening(true);
    t.ok(await until(2_000, () => gate.waiting === 1), 'the listener is back; its registration is slow to answer');
    setListening(false);
    gate.open();
    await sleep(100);
    t.notOk(
      app.representations.isListening,
      'the late registration does not turn caching on: notifications are not flowing',
    );
    await app.inject('/statuses');
    await app.inject('/statuses');
    t.equal(app.representations.size, 0, 'nothing is cached');
    t.equal(await registered(), 0, 'and writers do not wait for this instance');

    setListening(true);
    t.ok(await until(2_000, () => app.representations.isListening), 'the listener is back for good: caching again');
    t.equal(await registered(), 1, 'registered');
  },
);

void t.test('a registration that fails is retried while the listener stays up', async (t) => {
  const { app, gate, registered, setListening } = await setup(t);
  t.ok(await until(2_000, () => app.representations.isListening), 'caching at start');
  setListening(false);
  gate.failures = 2;
  setListening(true);
  await sleep(50);
  t.notOk(app.representations.isListening, 'not caching while the registration fails');
  t.ok(await until(3_000, () => app.representations.isListening), 'caching once a retry succeeds');
  t.equal(gate.failures, 0, 'after the two failures');
  t.equal(await registered(), 1);
  await app.inject('/statuses');
  t.ok(app.representations.size > 0, 'reads are cached again');
});

void t.test('each change is acknowledged, so a writer does not wait out the propagation timeout', async (t) => {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, registry, { actor: 'test' });
  const app = await buildApp({ database, migrations });
  t.teardown(() => app.close());
  await app.ready();
  t.ok(await until(2_000, () => app.representations.isListening), 'caching');
  const manager = await issueToken(database.db, {
    name: 'cumbria manager',
    role: 'manager',
    districtCodes: ['105'],
    createdBy: 'test',
  });
  for (const payload of [{ status: 'closed', cause: 'weather' }, { status: 'open' }]) {
    const res = await app.inject({
      method: 'POST',
      url: '/offices/carlisle-8504/notices',
      headers: { authorization: `Bearer ${manager.token}` },
      payload,
    });
    t.equal(res.statusCode, 201);
    const latest = await database.db
      .selectFrom('status_changes')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirstOrThrow();
    const listener = await database.db.selectFrom('cache_listeners').select('seen_seq').executeTakeFirstOrThrow();
    t.equal(
      String(listener.seen_seq),
      String(latest.seq),
      `${payload.status}: the instance had acknowledged the change when the writer answered`,
    );
  }
});
