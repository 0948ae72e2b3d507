import {
  createDatabase,
  importOfficeRegistry,
  migrate,
  readMigrations,
  readRegistryFiles,
  type Database,
} from '@jcp/db';
import { createEmptyPostgresDatabase, freePort, spawnScript, waitForReady } from '@jcp/testing';

/** Cleanups, run in reverse order at the end of a benchmark. */
export class Teardowns {
  private readonly fns: (() => unknown)[] = [];
  teardown(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns.reverse()) await fn();
  }
}

/** A fresh database on the benchmark server, migrated, with the register imported. */
export async function registerDatabase(scope: Teardowns, server: string): Promise<{ url: string; database: Database }> {
  const url = await createEmptyPostgresDatabase(scope, server);
  const database = await createDatabase({ url, poolMax: 2 });
  scope.teardown(() => database.close());
  await migrate(database.db, await readMigrations());
  await importOfficeRegistry(database.db, await readRegistryFiles(), { actor: 'bench' });
  return { url, database };
}

/** The service as `pnpm start` runs it, on that database, in a child process; resolves once ready. */
export async function startService(scope: Teardowns, url: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const service = spawnScript('apps/serve/src/main.ts', [], {
    DATABASE_URL: url,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...env,
  });
  scope.teardown(() => service.kill('SIGTERM'));
  if ((await waitForReady(port)) !== 200)
    throw new Error(`the service did not become ready:\n${service.output.stderr}`);
  return `http://127.0.0.1:${port}`;
}

export const say = (line: string): void => void process.stdout.write(`${line}\n`);
