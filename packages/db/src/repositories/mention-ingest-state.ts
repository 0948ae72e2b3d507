// The mention ingester's schedule, cursors and health, kept in the database so that whoever
// takes over resumes where the last one stopped.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';

/** Each account's newest mention id read so far. */
export async function mentionCursors(db: Kysely<DB>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('mention_cursors').select(['account_id', 'since_id']).execute();
  return new Map(rows.map((r) => [r.account_id, r.since_id]));
}

/** Moves the accounts' cursors forward to `newestId` (never back). */
export async function advanceMentionCursors(
  db: Kysely<DB>,
  accountIds: readonly string[],
  newestId: string,
): Promise<void> {
  if (accountIds.length === 0) return;
  await sql`
    insert into mention_cursors (account_id, since_id, updated_at)
    select id, ${newestId}, clock_timestamp() from unnest(${[...accountIds]}::text[]) as id
    on conflict (account_id) do update set since_id = excluded.since_id, updated_at = excluded.updated_at
    where mention_cursors.since_id::numeric < excluded.since_id::numeric`.execute(db);
}

export interface IngestState {
  holder: string | null;
  heldSince: Date | null;
  lastPollAt: Date | null;
  lastSuccessAt: Date | null;
  nextPollAt: Date | null;
  blockedUntil: Date | null;
  intervalSeconds: number | null;
  lastError: string | null;
  consecutiveFailures: number;
}

export async function ingestState(db: Kysely<DB>): Promise<IngestState & { now: Date }> {
  const row = await db
    .selectFrom('mention_ingest')
    .selectAll()
    .select(sql<Date>`clock_timestamp()`.as('now'))
    .executeTakeFirstOrThrow();
  return {
    now: new Date(row.now),
    holder: row.holder,
    heldSince: row.held_since,
    lastPollAt: row.last_poll_at,
    lastSuccessAt: row.last_success_at,
    nextPollAt: row.next_poll_at,
    blockedUntil: row.blocked_until,
    intervalSeconds: row.interval_seconds,
    lastError: row.last_error,
    consecutiveFailures: row.consecutive_failures,
  };
}

/** The instance that took the ingest lock says so (for operators). */
export async function recordIngestHolder(db: Kysely<DB>, holder: string): Promise<void> {
  await db
    .updateTable('mention_ingest')
    .set({ holder, held_since: sql`clock_timestamp()` })
    .execute();
}

export async function recordIngestCycle(
  db: Kysely<DB>,
  outcome:
    | { ok: true; nextPollAt: Date; intervalSeconds: number }
    | { ok: false; nextPollAt: Date; error: string; blockedUntil?: Date },
): Promise<void> {
  await db
    .updateTable('mention_ingest')
    .set(
      outcome.ok
        ? {
            last_poll_at: sql`clock_timestamp()`,
            last_success_at: sql`clock_timestamp()`,
            next_poll_at: outcome.nextPollAt,
            interval_seconds: outcome.intervalSeconds,
            last_error: null,
            consecutive_failures: 0,
          }
        : {
            last_poll_at: sql`clock_timestamp()`,
            next_poll_at: outcome.nextPollAt,
            last_error: outcome.error,
            consecutive_failures: sql`consecutive_failures + 1`,
            ...(outcome.blockedUntil ? { blocked_until: outcome.blockedUntil } : {}),
          },
    )
    .execute();
}

/** Whether anything suggests citizens are asking now: an office disrupted, or a mention in the last `withinMs`. */
export async function mentionActivity(
  db: Kysely<DB>,
  withinMs: number,
): Promise<{ disrupted: number; recentMentions: number }> {
  const { rows } = await sql<{ disrupted: string; recent: string }>`
    select (select count(*) from office_status where status <> 'open') as disrupted,
           (select count(*) from mentions where received_at > clock_timestamp() - make_interval(secs => ${withinMs / 1000})) as recent`.execute(
    db,
  );
  return { disrupted: Number(rows[0]?.disrupted ?? 0), recentMentions: Number(rows[0]?.recent ?? 0) };
}

/** The accounts mentions are read for: those with an X identity and credentials to read with. */
export async function mentionAccounts(
  db: Kysely<DB>,
): Promise<
  { accountId: string; handle: string; xUserId: string | null; paused: boolean; credentials: string | null }[]
> {
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'handle', 'x_user_id', 'paused', 'credentials_encrypted'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    accountId: r.id,
    handle: r.handle,
    xUserId: r.x_user_id,
    paused: r.paused,
    credentials: r.credentials_encrypted ? Buffer.from(r.credentials_encrypted).toString('utf8') : null,
  }));
}
