// Migration 0008 binds a database already in use to the X its accounts' identities came from:
// the emulator when every identity was written by it (and not changed since), a real X when
// any was not, nothing when there is none. A worker started before it is applied is not stopped by it.
import { loadConfig } from '@jcp/config';
import { appendAudit, migrate, readMigrations, readXBinding } from '@jcp/db';
import type { Logger } from '@jcp/log';
import { bindRealX } from '@jcp/use-cases';
import { createTestDatabase, type Teardown } from '@jcp/testing';
import type { Kysely } from 'kysely';
import t from 'tap';

/** The accounts table as it was called before migration 0011 (`clusters`), for a database migrated to 0007. */
interface LegacyDB {
  clusters: {
    id: string;
    name: string;
    handle: string;
    x_user_id: string | null;
    credentials_encrypted: Buffer | null;
  };
}

const all = await readMigrations();
const before = all.filter((m) => m.version < 8);

async function legacyDatabase(t: Teardown) {
  const database = await createTestDatabase(t, { migrate: false });
  await migrate(database.db, before);
  const legacy = database.db as unknown as Kysely<LegacyDB>;
  await legacy
    .insertInto('clusters')
    .values([
      { id: 'district-1', name: 'One', handle: 'JCPinOne' },
      { id: 'district-2', name: 'Two', handle: 'JCPinTwo' },
      { id: 'district-3', name: 'Three', handle: 'JCPinThree' },
    ])
    .execute();
  /** As provisionEmulatorAccounts wrote them before 0008. */
  const byEmulator = async (id: string, xUserId: string) => {
    await legacy
      .updateTable('clusters')
      .set({ x_user_id: xUserId, credentials_encrypted: Buffer.from('v1.sealed') })
      .where('id', '=', id)
      .execute();
    await appendAudit(database.db, [
      {
        actor: 'system:x-emulator',
        action: 'cluster.credentials_set',
        entityType: 'cluster',
        entityId: id,
        after: { source: 'x-emulator', xUserId },
      },
    ]);
  };
  return {
    database,
    legacy,
    byEmulator,
    finish: async () => {
      await migrate(database.db, all);
      return readXBinding(database.db);
    },
  };
}

void t.test('no X identity: left unbound', async (t) => {
  const l = await legacyDatabase(t);
  t.equal(await l.finish(), null);
});

void t.test('every identity written by the emulator: bound to the emulator', async (t) => {
  const l = await legacyDatabase(t);
  await l.byEmulator('district-1', '1001');
  await l.byEmulator('district-2', '1002');
  // Credentials removed since leave the emulator's user id: still the emulator's.
  await l.legacy.updateTable('clusters').set({ credentials_encrypted: null }).where('id', '=', 'district-2').execute();
  await appendAudit(l.database.db, [
    {
      actor: 'token:1:ops',
      action: 'cluster.credentials_cleared',
      entityType: 'cluster',
      entityId: 'district-2',
      after: { hasCredentials: false },
    },
  ]);
  t.match(await l.finish(), { kind: 'emulator', baseUrl: null, boundBy: 'migration 0008' });
});

void t.test(
  'credentials an admin stored, or a user id an admin set, after the emulator: bound to a real X',
  async (t) => {
    for (const change of ['credentials', 'x user id', 'no audit'] as const) {
      const l = await legacyDatabase(t);
      await l.byEmulator('district-1', '1001');
      await l.byEmulator('district-2', '1002');
      if (change === 'credentials') {
        await l.legacy
          .updateTable('clusters')
          .set({ x_user_id: '4242', credentials_encrypted: Buffer.from('v1.real') })
          .where('id', '=', 'district-2')
          .execute();
        await appendAudit(l.database.db, [
          {
            actor: 'token:1:ops',
            action: 'cluster.credentials_set',
            entityType: 'cluster',
            entityId: 'district-2',
            after: { xUserId: '4242', hasCredentials: true },
          },
        ]);
      } else if (change === 'x user id') {
        await l.legacy.updateTable('clusters').set({ x_user_id: '4242' }).where('id', '=', 'district-2').execute();
        await appendAudit(l.database.db, [
          {
            actor: 'token:1:ops',
            action: 'cluster.updated',
            entityType: 'cluster',
            entityId: 'district-2',
            before: { xUserId: '1002' },
            after: { xUserId: '4242' },
          },
        ]);
      } else {
        // Written straight into the table: nothing says the emulator wrote it.
        await l.legacy.updateTable('clusters').set({ x_user_id: '5555' }).where('id', '=', 'district-3').execute();
      }
      t.match(await l.finish(), { kind: 'x', baseUrl: null, boundBy: 'migration 0008' }, change);
    }
  },
);

void t.test(
  'a worker starting before migration 0008 is applied is not stopped by it, and binds at its next start',
  async (t) => {
    const l = await legacyDatabase(t);
    const warnings: string[] = [];
    const logger = { warn: (...args: unknown[]) => void warnings.push(String(args.at(-1))) } as unknown as Logger;
    const config = loadConfig({ X_API_BASE_URL: 'https://api.x.com', X_APP_KEY: 'k', X_APP_SECRET: 's' });
    await bindRealX(l.database, config, logger, 'system:worker');
    t.match(warnings, [/no x_binding table yet/]);
    t.equal(await l.finish(), null, 'migrated: nothing in it yet');
    await bindRealX(l.database, config, logger, 'system:worker');
    t.match(await readXBinding(l.database.db), { kind: 'x', baseUrl: 'https://api.x.com', boundBy: 'system:worker' });
  },
);
