import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';
import { latestChangeSeq } from './status-feed.js';

/**
 * Instances that cache reads acknowledge each change they have applied; a writer waits
 * for every live one (heartbeat within {@link LISTENER_TTL_SECONDS}) before answering.
 */
export const LISTENER_TTL_SECONDS = 6;
export const LISTENER_HEARTBEAT_MS = 2_000;

/** Registers an instance that has just started listening with an empty cache: it is up to date. */
export async function registerListener(db: Kysely<DB>, instanceId: string): Promise<void> {
  const seq = await latestChangeSeq(db);
  await db
    .insertInto('cache_listeners')
    .values({ instance_id: instanceId, seen_seq: seq, heartbeat_at: sql<Date>`now()` })
    .onConflict((oc) => oc.column('instance_id').doUpdateSet({ seen_seq: seq, heartbeat_at: sql<Date>`now()` }))
    .execute();
}

export async function acknowledgeChange(db: Kysely<DB>, instanceId: string, seq: string): Promise<void> {
  await db
    .updateTable('cache_listeners')
    .set({ seen_seq: sql<string>`greatest(seen_seq, ${seq}::bigint)`, heartbeat_at: sql<Date>`now()` })
    .where('instance_id', '=', instanceId)
    .execute();
}

export async function heartbeatListener(db: Kysely<DB>, instanceId: string): Promise<void> {
  await db
    .updateTable('cache_listeners')
    .set({ heartbeat_at: sql<Date>`now()` })
    .where('instance_id', '=', instanceId)
    .execute();
}

export async function unregisterListener(db: Kysely<DB>, instanceId: string): Promise<void> {
  await db.deleteFrom('cache_listeners').where('instance_id', '=', instanceId).execute();
}

/** Resolves true once every live caching instance has applied change `seq`, false after `timeoutMs`. */
export async function waitForListeners(db: Kysely<DB>, seq: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 10)) {
    const behind = await db
      .selectFrom('cache_listeners')
      .select('instance_id')
      .where('seen_seq', '<', seq)
      .where('heartbeat_at', '>', sql<Date>`now() - make_interval(secs => ${LISTENER_TTL_SECONDS})`)
      .limit(1)
      .executeTakeFirst();
    if (!behind) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
