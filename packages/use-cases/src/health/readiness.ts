import { pendingMigrations, type DB, type MigrationFile } from '@jcp/db';
import { sql, type Kysely } from 'kysely';

/** How long each readiness question may take before the database counts as unreachable. */
export const READY_TIMEOUT_MS = 2_000;

export interface Readiness {
  database: 'ok' | 'unreachable';
  /** Migrations of this release not applied to the database (empty when unreachable). */
  pendingMigrations: string[];
  /** Why the database counts as unreachable (for the log only: never sent). */
  error?: unknown;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the service may take traffic: the database answers, and every migration of this release is applied. */
export async function checkReadiness(
  deps: { db: Kysely<DB>; migrations: readonly MigrationFile[] },
  timeoutMs = READY_TIMEOUT_MS,
): Promise<Readiness> {
  try {
    await withTimeout(sql`select 1`.execute(deps.db), timeoutMs);
    const pending = await withTimeout(pendingMigrations(deps.db, [...deps.migrations]), timeoutMs);
    return { database: 'ok', pendingMigrations: pending.map((m) => m.file) };
  } catch (error) {
    return { database: 'unreachable', pendingMigrations: [], error };
  }
}
