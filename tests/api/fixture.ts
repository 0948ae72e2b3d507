import { randomBytes } from 'node:crypto';
import { buildApp, type AppOptions } from '@jcp/api';
import { importOfficeRegistry, issueToken, readMigrations, readRegistryFiles } from '@jcp/db';
import { createTestDatabase, type Teardown } from '@jcp/testing';

export const migrations = await readMigrations();
const registry = await readRegistryFiles();

/**
 * The API tests' world: an isolated database with the register imported, the app on it
 * (closed at teardown), and one token of each kind: an admin, a manager of Cumbria and
 * Lancashire (district 105) and a reader. `options` go to buildApp as they are (e.g.
 * `fanout`, or `mentions: { appSecret: EMULATOR_APP.appSecret }` for the X webhook); the
 * opt-out key is a fresh one unless `privacy` says otherwise (`optOutKey`, for ingesters).
 */
export async function apiFixture(t: Teardown, options: Partial<AppOptions> = {}) {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, registry, { actor: 'test' });
  const privacy = options.privacy ?? { optOutKey: randomBytes(32) };
  const app = await buildApp({ database, migrations, ...options, privacy });
  t.teardown(() => app.close());
  const admin = await issueToken(database.db, { name: 'ops', role: 'admin', createdBy: 'test' });
  const cumbria = await issueToken(database.db, {
    name: 'cumbria manager',
    role: 'manager',
    districtCodes: ['105'],
    createdBy: 'test',
  });
  const reader = await issueToken(database.db, { name: 'gov.uk', role: 'reader', createdBy: 'test' });
  const bearer = (token: { token: string }, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token.token}`,
    ...extra,
  });
  return { database, app, admin, cumbria, reader, bearer, optOutKey: privacy.optOutKey };
}
