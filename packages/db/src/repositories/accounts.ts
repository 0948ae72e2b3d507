/**
 * Accounts (the X accounts of `accounts`): their settings and delivery health, read,
 * and written inside the caller's transaction (the use cases own the transactions).
 * Credentials, the pause switches, the fan-out's posts and delivery as a whole are in the
 * account-* and delivery-health files beside this one.
 * The stored credentials are never selected here: only whether there are any.
 */
import { DEFAULT_USER_POST_BUDGET } from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { since, toDate, type Db } from './account-sql.js';
import { DEFAULT_COALESCE_SECONDS, pendingAccounts, type PendingAccount } from './fanout-compose.js';
import {
  ACCOUNT_LANGUAGES,
  type AccountLanguage,
  type AccountSettingsPatch,
  type NewAccount,
  type AccountHealth,
  type Account,
  type AccountReadOptions,
} from './account-types.js';
export {
  ACCOUNT_LANGUAGES,
  type AccountLanguage,
  type PostingWindow,
  type AccountSettingsPatch,
  type NewAccount,
  type AccountHealth,
  type Account,
  type AccountReadOptions,
} from './account-types.js';
export { lockAccountRow, wakeDispatchers, type LockedAccount } from './account-sql.js';

const hhmm = (t: string): string => t.slice(0, 5);

/** Every column but the credentials, which are only ever reported as present or not. */
const SETTINGS_COLUMNS = [
  'c.id',
  'c.name',
  'c.handle',
  'c.is_placeholder',
  'c.x_user_id',
  'c.languages',
  'c.posting_window_start',
  'c.posting_window_end',
  'c.live_hours',
  'c.include_links',
  'c.link',
  'c.allow_urgent',
  'c.coalesce_seconds',
  'c.auto_replies',
  'c.signpost_replies',
  'c.paused',
  'c.paused_reason',
  'c.paused_at',
  'c.created_at',
  'c.updated_at',
] as const;

async function loadAccounts(
  db: Db,
  ids: readonly string[] | null,
  options: AccountReadOptions = {},
): Promise<Account[]> {
  const userBudget = options.userBudget ?? DEFAULT_USER_POST_BUDGET;
  if (ids !== null && ids.length === 0) return [];
  let query = db
    .selectFrom('accounts as c')
    .leftJoin('fanout_accounts as a', 'a.account_id', 'c.id')
    .select(SETTINGS_COLUMNS)
    .select(sql<boolean>`c.credentials_encrypted is not null`.as('has_credentials'))
    .select([
      'a.blocked_until',
      'a.last_attempt_at',
      'a.last_success_at',
      'a.last_failure_at',
      'a.last_error',
      'a.consecutive_failures',
    ])
    .orderBy('c.id');
  if (ids !== null) query = query.where('c.id', 'in', [...ids]);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const found = rows.map((r) => r.id);
  const [queued, pending, sends, offices, waiting] = await Promise.all([
    db
      .selectFrom('fanout_posts')
      .select((eb) => ['account_id', eb.fn.countAll<string>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('state', '=', 'queued')
      .where('account_id', 'in', found)
      .groupBy('account_id')
      .execute(),
    db
      .selectFrom('fanout_outbox')
      .select((eb) => ['account_id', eb.fn.countAll<string>().as('n')])
      .where('batch_id', 'is', null)
      .where('account_id', 'in', found)
      .groupBy('account_id')
      .execute(),
    db
      .selectFrom('fanout_sends')
      .select((eb) => ['account_id', eb.fn.countAll<string>().as('n')])
      .where('sent_at', '>', since(userBudget.windowMs))
      .where('account_id', 'in', found)
      .groupBy('account_id')
      .execute(),
    db
      .selectFrom('offices')
      .select((eb) => ['account_id', eb.fn.countAll<string>().as('n')])
      .where('account_id', 'in', found)
      .groupBy('account_id')
      .execute(),
    pendingAccounts(db, { coalesceSeconds: options.coalesceSeconds ?? DEFAULT_COALESCE_SECONDS }),
  ]);
  const waitingBy = new Map(waiting.accounts.map((a) => [a.accountId, a]));
  const queuedBy = new Map(queued.map((q) => [q.account_id, q]));
  const pendingBy = new Map(pending.map((p) => [p.account_id, Number(p.n)]));
  const sendsBy = new Map(sends.map((s) => [s.account_id, Number(s.n)]));
  const officesBy = new Map(offices.map((o) => [o.account_id, Number(o.n)]));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    handle: r.handle,
    isPlaceholder: r.is_placeholder,
    xUserId: r.x_user_id,
    languages: r.languages as AccountLanguage[],
    postingWindow: { start: hhmm(r.posting_window_start), end: hhmm(r.posting_window_end) },
    liveHours: r.live_hours,
    includeLinks: r.include_links,
    link: r.link,
    allowUrgent: r.allow_urgent,
    coalesceSeconds: r.coalesce_seconds,
    autoReplies: r.auto_replies,
    signpostReplies: r.signpost_replies,
    paused: r.paused,
    pausedReason: r.paused_reason,
    pausedAt: toDate(r.paused_at),
    hasCredentials: r.has_credentials,
    officeCount: officesBy.get(r.id) ?? 0,
    createdAt: toDate(r.created_at) ?? new Date(0),
    updatedAt: toDate(r.updated_at) ?? new Date(0),
    health: {
      queuedPosts: Number(queuedBy.get(r.id)?.n ?? 0),
      oldestQueuedAt: toDate(queuedBy.get(r.id)?.oldest),
      pendingChanges: pendingBy.get(r.id) ?? 0,
      blockedUntil: toDate(r.blocked_until),
      lastAttemptAt: toDate(r.last_attempt_at),
      lastSuccessAt: toDate(r.last_success_at),
      lastFailureAt: toDate(r.last_failure_at),
      lastError: r.last_error,
      consecutiveFailures: r.consecutive_failures ?? 0,
      userBudget: { limit: userBudget.limit, windowMs: userBudget.windowMs, used: sendsBy.get(r.id) ?? 0 },
      waiting: waitingFor(waitingBy.get(r.id)),
    },
  }));
}

function waitingFor(pending: PendingAccount | undefined): AccountHealth['waiting'] {
  if (!pending) return null;
  if (pending.waiting === null) return { reason: 'composing', until: null };
  return {
    reason: pending.waiting,
    until: pending.waiting === 'coalescing' || pending.waiting === 'posting-window' ? pending.readyAt : null,
  };
}

/** Every account, by id, with its delivery health. */
export async function listAccounts(db: Kysely<DB>, options: AccountReadOptions = {}): Promise<Account[]> {
  return loadAccounts(db, null, options);
}

/** Whether there is an account of this id. */
export async function accountExists(db: Kysely<DB>, id: string): Promise<boolean> {
  return (await db.selectFrom('accounts').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** One account with its delivery health, or undefined. */
export async function getAccount(
  db: Kysely<DB>,
  id: string,
  options: AccountReadOptions = {},
): Promise<Account | undefined> {
  return (await loadAccounts(db, [id], options))[0];
}

/** The columns a patch sets. */
function toColumns(patch: AccountSettingsPatch) {
  const columns: Partial<{
    name: string;
    handle: string;
    x_user_id: string | null;
    languages: string[];
    posting_window_start: string;
    posting_window_end: string;
    include_links: boolean;
    link: string | null;
    allow_urgent: boolean;
    coalesce_seconds: number | null;
    auto_replies: boolean;
    signpost_replies: boolean;
  }> = {};
  if (patch.name !== undefined) columns.name = patch.name;
  if (patch.handle !== undefined) columns.handle = patch.handle;
  if (patch.xUserId !== undefined) columns.x_user_id = patch.xUserId;
  if (patch.languages !== undefined) columns.languages = ACCOUNT_LANGUAGES.filter((l) => patch.languages?.includes(l));
  if (patch.postingWindow !== undefined) {
    columns.posting_window_start = patch.postingWindow.start;
    columns.posting_window_end = patch.postingWindow.end;
  }
  if (patch.includeLinks !== undefined) columns.include_links = patch.includeLinks;
  if (patch.link !== undefined) columns.link = patch.link;
  if (patch.allowUrgent !== undefined) columns.allow_urgent = patch.allowUrgent;
  if (patch.coalesceSeconds !== undefined) columns.coalesce_seconds = patch.coalesceSeconds;
  if (patch.autoReplies !== undefined) columns.auto_replies = patch.autoReplies;
  if (patch.signpostReplies !== undefined) columns.signpost_replies = patch.signpostReplies;
  return columns;
}

/** The account other than `exceptId` holding this handle (handles are unique whatever their case), or null. */
export async function handleOwner(db: Db, handle: string, exceptId: string): Promise<string | null> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where(sql<string>`lower(handle)`, '=', handle.toLowerCase())
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Inserts a new account (settings only; credentials are set apart), inside the caller's transaction. */
export async function insertAccount(trx: Transaction<DB>, input: NewAccount): Promise<void> {
  await trx
    .insertInto('accounts')
    .values({ id: input.id, name: input.name, handle: input.handle, is_placeholder: false, ...toColumns(input) })
    .execute();
}

/**
 * Writes the settings a patch gives (only those), inside the caller's transaction. False:
 * the patch sets nothing, and nothing was written.
 */
export async function updateAccountSettings(
  trx: Transaction<DB>,
  id: string,
  patch: AccountSettingsPatch,
): Promise<boolean> {
  const columns = toColumns(patch);
  if (Object.keys(columns).length === 0) return false;
  // A handle an admin chose is a real account's, no longer a placeholder.
  await trx
    .updateTable('accounts')
    .set({ ...columns, ...(patch.handle !== undefined ? { is_placeholder: false } : {}), updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
  return true;
}
