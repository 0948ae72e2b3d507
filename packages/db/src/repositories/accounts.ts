/**
 * Cluster accounts (the X accounts of `clusters`): their settings, credentials, pause
 * switches and delivery health, and reads of what the fan-out composed and delivered.
 * The stored credentials are never selected here: only whether there are any.
 */
import {
  DEFAULT_APP_POST_BUDGET,
  DEFAULT_USER_POST_BUDGET,
  splitAppBudget,
  type AppBudgetRule,
  type BudgetRule,
} from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import { DbError } from '../errors.js';
import type { DB, PostOutcome, PostState } from '../types.js';
import { DEFAULT_COALESCE_SECONDS, pendingAccounts, type PendingAccount } from './fanout-compose.js';
import { FANOUT_CHANNEL } from './outbox.js';
import { notifyOfficesChanged } from './status.js';
import { bindX, lockXBinding, type XTarget } from './x-binding.js';

type Db = Kysely<DB> | Transaction<DB>;

export const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ACCOUNT_HANDLE_PATTERN = /^[A-Za-z0-9_]{1,15}$/;
export const WINDOW_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
export const X_USER_ID_PATTERN = /^[0-9]{1,20}$/;
export const ACCOUNT_LANGUAGES = ['en', 'cy'] as const;
export type AccountLanguage = (typeof ACCOUNT_LANGUAGES)[number];

/** An account write the database would refuse (the API validates first; this guards other callers). */
export class AccountRejected extends DbError {
  readonly problems: readonly { field: string; reason: string }[];
  constructor(problems: readonly { field: string; reason: string }[]) {
    super(
      'ACCOUNT_REJECTED',
      `the account settings are not valid: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
    );
    this.name = 'AccountRejected';
    this.problems = problems;
  }
}

export interface PostingWindow {
  /** Local (Europe/London) 'HH:MM'. */
  start: string;
  end: string;
}

export interface AccountSettingsPatch {
  name?: string;
  handle?: string;
  xUserId?: string | null;
  languages?: AccountLanguage[];
  postingWindow?: PostingWindow;
  includeLinks?: boolean;
  link?: string | null;
  allowUrgent?: boolean;
  /** Status questions get a templated reply. */
  autoReplies?: boolean;
  /** Other messages get a signposting reply (at most one per user per day). */
  signpostReplies?: boolean;
  /** 0-3600, or null: the service default. */
  coalesceSeconds?: number | null;
}

export interface NewAccount extends AccountSettingsPatch {
  id: string;
  name: string;
  handle: string;
}

export interface AccountHealth {
  queuedPosts: number;
  oldestQueuedAt: Date | null;
  pendingChanges: number;
  blockedUntil: Date | null;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  userBudget: BudgetRule & { used: number };
  /** Why pending changes are not posted yet, and until when if time alone will end it; null when nothing waits. */
  waiting: { reason: Exclude<PendingAccount['waiting'], null> | 'composing'; until: Date | null } | null;
}

export interface Account {
  id: string;
  name: string;
  handle: string;
  isPlaceholder: boolean;
  xUserId: string | null;
  languages: AccountLanguage[];
  postingWindow: PostingWindow;
  liveHours: unknown;
  includeLinks: boolean;
  link: string | null;
  allowUrgent: boolean;
  coalesceSeconds: number | null;
  autoReplies: boolean;
  signpostReplies: boolean;
  paused: boolean;
  pausedReason: string | null;
  pausedAt: Date | null;
  hasCredentials: boolean;
  officeCount: number;
  createdAt: Date;
  updatedAt: Date;
  health: AccountHealth;
}

export interface AccountReadOptions {
  userBudget?: BudgetRule;
  /** The service's default coalescing window (FANOUT_COALESCE_SECONDS), to say when waiting changes go. */
  coalesceSeconds?: number;
}

export type AccountWriteResult =
  | { outcome: 'ok'; account: Account }
  | { outcome: 'not_found' }
  /** createAccount: the id is taken. */
  | { outcome: 'exists' }
  /** Another account has this handle (handles are unique whatever their case). */
  | { outcome: 'handle_taken'; clusterId: string | null };

const toDate = (v: unknown): Date | null =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string);
const hhmm = (t: string): string => t.slice(0, 5);
/** `now() - windowMs`, on the database's clock. */
const since = (windowMs: number) => sql<Date>`now() - make_interval(secs => ${windowMs / 1000})`;

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
    .selectFrom('clusters as c')
    .leftJoin('fanout_accounts as a', 'a.cluster_id', 'c.id')
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
      .select((eb) => ['cluster_id', eb.fn.countAll<string>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('state', '=', 'queued')
      .where('cluster_id', 'in', found)
      .groupBy('cluster_id')
      .execute(),
    db
      .selectFrom('fanout_outbox')
      .select((eb) => ['cluster_id', eb.fn.countAll<string>().as('n')])
      .where('batch_id', 'is', null)
      .where('cluster_id', 'in', found)
      .groupBy('cluster_id')
      .execute(),
    db
      .selectFrom('fanout_sends')
      .select((eb) => ['cluster_id', eb.fn.countAll<string>().as('n')])
      .where('sent_at', '>', since(userBudget.windowMs))
      .where('cluster_id', 'in', found)
      .groupBy('cluster_id')
      .execute(),
    db
      .selectFrom('offices')
      .select((eb) => ['cluster_id', eb.fn.countAll<string>().as('n')])
      .where('cluster_id', 'in', found)
      .groupBy('cluster_id')
      .execute(),
    pendingAccounts(db, { coalesceSeconds: options.coalesceSeconds ?? DEFAULT_COALESCE_SECONDS }),
  ]);
  const waitingBy = new Map(waiting.accounts.map((a) => [a.clusterId, a]));
  const queuedBy = new Map(queued.map((q) => [q.cluster_id, q]));
  const pendingBy = new Map(pending.map((p) => [p.cluster_id, Number(p.n)]));
  const sendsBy = new Map(sends.map((s) => [s.cluster_id, Number(s.n)]));
  const officesBy = new Map(offices.map((o) => [o.cluster_id, Number(o.n)]));
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

/** Every cluster account, by id, with its delivery health. */
export async function listAccounts(db: Kysely<DB>, options: AccountReadOptions = {}): Promise<Account[]> {
  return loadAccounts(db, null, options);
}

/** One cluster account with its delivery health, or undefined. */
export async function getAccount(
  db: Kysely<DB>,
  id: string,
  options: AccountReadOptions = {},
): Promise<Account | undefined> {
  return (await loadAccounts(db, [id], options))[0];
}

function validate(patch: AccountSettingsPatch, id?: string): void {
  const problems: { field: string; reason: string }[] = [];
  if (id !== undefined && !ACCOUNT_ID_PATTERN.test(id))
    problems.push({ field: 'id', reason: 'must match ^[a-z0-9][a-z0-9-]{0,62}$' });
  if (patch.name !== undefined && (patch.name.trim().length === 0 || patch.name.length > 200))
    problems.push({ field: 'name', reason: 'must be 1-200 characters' });
  if (patch.handle !== undefined && !ACCOUNT_HANDLE_PATTERN.test(patch.handle))
    problems.push({ field: 'handle', reason: 'must be 1-15 letters, digits or _' });
  if (patch.xUserId !== undefined && patch.xUserId !== null && !X_USER_ID_PATTERN.test(patch.xUserId))
    problems.push({ field: 'xUserId', reason: 'must be 1-20 digits' });
  if (patch.languages !== undefined) {
    const l = patch.languages;
    if (!l.includes('en') || l.some((x) => !ACCOUNT_LANGUAGES.includes(x)) || new Set(l).size !== l.length)
      problems.push({ field: 'languages', reason: "must be ['en'] or ['en', 'cy']" });
  }
  if (patch.postingWindow !== undefined) {
    const { start, end } = patch.postingWindow;
    if (!WINDOW_TIME_PATTERN.test(start) || !WINDOW_TIME_PATTERN.test(end))
      problems.push({ field: 'postingWindow', reason: "start and end must be 'HH:MM'" });
    else if (start >= end)
      problems.push({ field: 'postingWindow', reason: 'must start before it ends (it may not wrap midnight)' });
  }
  if (
    patch.link !== undefined &&
    patch.link !== null &&
    (!patch.link.startsWith('https://') || patch.link.length > 200)
  )
    problems.push({ field: 'link', reason: 'must be an https:// URL of at most 200 characters' });
  if (
    patch.coalesceSeconds !== undefined &&
    patch.coalesceSeconds !== null &&
    (!Number.isInteger(patch.coalesceSeconds) || patch.coalesceSeconds < 0 || patch.coalesceSeconds > 3600)
  ) {
    problems.push({ field: 'coalesceSeconds', reason: 'must be an integer from 0 to 3600, or null' });
  }
  if (problems.length > 0) throw new AccountRejected(problems);
}

/** The columns a patch sets, and the same as the audit log records them. */
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

/** The settings as the audit log records them (never the credentials). */
function auditedSettings(a: Account): Record<string, unknown> {
  return {
    name: a.name,
    handle: a.handle,
    xUserId: a.xUserId,
    languages: a.languages,
    postingWindow: a.postingWindow,
    includeLinks: a.includeLinks,
    link: a.link,
    allowUrgent: a.allowUrgent,
    coalesceSeconds: a.coalesceSeconds,
    autoReplies: a.autoReplies,
    signpostReplies: a.signpostReplies,
  };
}

function changedOnly(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

async function handleOwner(db: Db, handle: string, exceptId: string): Promise<string | null> {
  const row = await db
    .selectFrom('clusters')
    .select('id')
    .where(sql<string>`lower(handle)`, '=', handle.toLowerCase())
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** A new cluster account (settings only; credentials are set apart). Audited. */
export async function createAccount(
  db: Kysely<DB>,
  input: NewAccount,
  actor: string,
  options: AccountReadOptions = {},
): Promise<AccountWriteResult> {
  validate(input, input.id);
  try {
    return await db.transaction().execute(async (trx): Promise<AccountWriteResult> => {
      if (await trx.selectFrom('clusters').select('id').where('id', '=', input.id).executeTakeFirst())
        return { outcome: 'exists' };
      const owner = await handleOwner(trx, input.handle, input.id);
      if (owner) return { outcome: 'handle_taken', clusterId: owner };
      await trx
        .insertInto('clusters')
        .values({ id: input.id, name: input.name, handle: input.handle, is_placeholder: false, ...toColumns(input) })
        .execute();
      const account = (await loadAccounts(trx, [input.id], options))[0];
      if (!account) throw new Error('the account just created is missing');
      await appendAudit(trx, [
        {
          actor,
          action: 'cluster.created',
          entityType: 'cluster',
          entityId: input.id,
          after: auditedSettings(account),
        },
      ]);
      return { outcome: 'ok', account };
    });
  } catch (error) {
    // Two creations at once: the loser meets the unique index (id or lower(handle)).
    if (isUniqueViolation(error)) {
      const exists = await db.selectFrom('clusters').select('id').where('id', '=', input.id).executeTakeFirst();
      return exists
        ? { outcome: 'exists' }
        : { outcome: 'handle_taken', clusterId: await handleOwner(db, input.handle, input.id) };
    }
    throw error;
  }
}

const wakeDispatchers = (trx: Transaction<DB>) => sql`select pg_notify(${FANOUT_CHANNEL}, '')`.execute(trx);

/** Changes an account's settings; only the fields given. Audited with what changed. */
export async function updateAccount(
  db: Kysely<DB>,
  id: string,
  patch: AccountSettingsPatch,
  actor: string,
  options: AccountReadOptions = {},
): Promise<AccountWriteResult> {
  validate(patch);
  try {
    return await db.transaction().execute(async (trx): Promise<AccountWriteResult> => {
      const locked = await trx
        .selectFrom('clusters')
        .select('id')
        .where('id', '=', id)
        .forNoKeyUpdate()
        .executeTakeFirst();
      if (!locked) return { outcome: 'not_found' };
      const before = (await loadAccounts(trx, [id], options))[0];
      if (!before) return { outcome: 'not_found' };
      if (patch.handle !== undefined) {
        const owner = await handleOwner(trx, patch.handle, id);
        if (owner) return { outcome: 'handle_taken', clusterId: owner };
      }
      const columns = toColumns(patch);
      if (Object.keys(columns).length === 0) return { outcome: 'ok', account: before };
      // A handle an admin chose is a real account's, no longer a placeholder.
      await trx
        .updateTable('clusters')
        .set({ ...columns, ...(patch.handle !== undefined ? { is_placeholder: false } : {}), updated_at: sql`now()` })
        .where('id', '=', id)
        .execute();
      const after = (await loadAccounts(trx, [id], options))[0];
      if (!after) throw new Error('the account just updated is missing');
      const diff = changedOnly(auditedSettings(before), auditedSettings(after));
      if (Object.keys(diff.after).length > 0)
        await appendAudit(trx, [{ actor, action: 'cluster.updated', entityType: 'cluster', entityId: id, ...diff }]);
      // Offices show their account's handle: cached office documents must be rendered again.
      if (before.handle !== after.handle) await notifyOfficesChanged(trx);
      // A new posting window, coalescing or urgency setting may make waiting changes ready.
      await wakeDispatchers(trx);
      return { outcome: 'ok', account: after };
    });
  } catch (error) {
    if (isUniqueViolation(error) && patch.handle !== undefined)
      return { outcome: 'handle_taken', clusterId: await handleOwner(db, patch.handle, id) };
    throw error;
  }
}

/**
 * Stores an account's sealed (encrypted) tokens and its X user id, verified with `target`
 * (the X emulator or a real X): the database is bound to that X in the same transaction, and
 * XBindingConflict is thrown (nothing stored) when it is bound to the other kind. The audit
 * log records that credentials were set and the user id, never the tokens. Wakes the
 * dispatchers: changes waiting for credentials may go now.
 */
export async function setAccountCredentials(
  db: Kysely<DB>,
  id: string,
  credentials: { sealed: string; xUserId: string; target: XTarget },
  actor: string,
): Promise<boolean> {
  if (!X_USER_ID_PATTERN.test(credentials.xUserId))
    throw new AccountRejected([{ field: 'xUserId', reason: 'must be 1-20 digits' }]);
  return db.transaction().execute(async (trx) => {
    await lockXBinding(trx);
    const before = await trx
      .selectFrom('clusters')
      .select(['x_user_id', sql<boolean>`credentials_encrypted is not null`.as('has_credentials')])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    await bindX(trx, credentials.target, actor);
    await trx
      .updateTable('clusters')
      .set({
        credentials_encrypted: Buffer.from(credentials.sealed, 'utf8'),
        x_user_id: credentials.xUserId,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'cluster.credentials_set',
        entityType: 'cluster',
        entityId: id,
        before: { xUserId: before.x_user_id, hasCredentials: before.has_credentials },
        after: { xUserId: credentials.xUserId, hasCredentials: true },
      },
    ]);
    await wakeDispatchers(trx);
    return true;
  });
}

/** A page of the accounts holding stored credentials, in id order after `afterId` (for re-sealing them). */
export async function storedCredentialsPage(
  db: Kysely<DB>,
  afterId: string | null,
  limit: number,
): Promise<{ clusterId: string; sealed: string }[]> {
  let query = db
    .selectFrom('clusters')
    .select(['id', 'credentials_encrypted'])
    .where('credentials_encrypted', 'is not', null)
    .orderBy('id')
    .limit(limit);
  if (afterId !== null) query = query.where('id', '>', afterId);
  return (await query.execute()).map((r) => ({
    clusterId: r.id,
    sealed: Buffer.from(r.credentials_encrypted!).toString('utf8'),
  }));
}

/**
 * Replaces accounts' sealed credentials with the same tokens sealed again (a new key, or bound
 * to the account), each only if it still holds what was read (`previous`): credentials
 * stored or removed meanwhile are left as they are. One transaction; audited with the key id,
 * never the tokens. Returns the ids replaced.
 */
export async function resealCredentials(
  db: Kysely<DB>,
  rows: readonly { clusterId: string; previous: string; next: string; keyId: string }[],
  actor: string,
): Promise<string[]> {
  if (rows.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const replaced: string[] = [];
    for (const row of rows) {
      const result = await trx
        .updateTable('clusters')
        .set({ credentials_encrypted: Buffer.from(row.next, 'utf8') })
        .where('id', '=', row.clusterId)
        .where('credentials_encrypted', '=', Buffer.from(row.previous, 'utf8'))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) replaced.push(row.clusterId);
    }
    const byId = new Map(rows.map((r) => [r.clusterId, r]));
    await appendAudit(
      trx,
      replaced.map((id) => ({
        actor,
        action: 'cluster.credentials_resealed',
        entityType: 'cluster',
        entityId: id,
        after: { keyId: byId.get(id)!.keyId },
      })),
    );
    return replaced;
  });
}

/** Removes an account's stored tokens (its X user id stays). False: no such account. */
export async function clearAccountCredentials(db: Kysely<DB>, id: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('clusters')
      .select(sql<boolean>`credentials_encrypted is not null`.as('has_credentials'))
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    if (before.has_credentials) {
      await trx
        .updateTable('clusters')
        .set({ credentials_encrypted: null, updated_at: sql`now()` })
        .where('id', '=', id)
        .execute();
      await appendAudit(trx, [
        {
          actor,
          action: 'cluster.credentials_cleared',
          entityType: 'cluster',
          entityId: id,
          before: { hasCredentials: true },
          after: { hasCredentials: false },
        },
      ]);
    }
    return true;
  });
}

/** Stops delivery for one account (posts wait; nothing is lost). False: no such account. */
export async function pauseAccount(db: Kysely<DB>, id: string, reason: string | null, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('clusters')
      .select(['paused', 'paused_reason'])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable('clusters')
      .set({ paused: true, paused_reason: reason, paused_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'cluster.paused',
        entityType: 'cluster',
        entityId: id,
        before: { paused: before.paused, pausedReason: before.paused_reason },
        after: { paused: true, pausedReason: reason },
      },
    ]);
    return true;
  });
}

/** Lets one account deliver again and wakes the dispatchers. False: no such account. */
export async function resumeAccount(db: Kysely<DB>, id: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('clusters')
      .select(['paused', 'paused_reason'])
      .where('id', '=', id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable('clusters')
      .set({ paused: false, paused_reason: null, paused_at: null, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'cluster.resumed',
        entityType: 'cluster',
        entityId: id,
        before: { paused: before.paused, pausedReason: before.paused_reason },
        after: { paused: false },
      },
    ]);
    await wakeDispatchers(trx);
    return true;
  });
}

export interface FanoutControlState {
  paused: boolean;
  pausedReason: string | null;
  pausedAt: Date | null;
  appBlockedUntil: Date | null;
}

async function readControl(db: Db): Promise<FanoutControlState> {
  const row = await db.selectFrom('fanout_control').selectAll().executeTakeFirst();
  return {
    paused: row?.paused ?? false,
    pausedReason: row?.paused_reason ?? null,
    pausedAt: toDate(row?.paused_at),
    appBlockedUntil: toDate(row?.app_blocked_until),
  };
}

/** Stops delivery for every account at once. */
export async function pauseAll(db: Kysely<DB>, reason: string | null, actor: string): Promise<FanoutControlState> {
  return db.transaction().execute(async (trx) => {
    const before = await readControl(trx);
    await trx
      .updateTable('fanout_control')
      .set({ paused: true, paused_reason: reason, paused_at: sql`now()` })
      .execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'fanout.paused',
        entityType: 'fanout',
        entityId: 'all',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: { paused: true, pausedReason: reason },
      },
    ]);
    return readControl(trx);
  });
}

/** Lets every account deliver again (accounts paused one by one stay paused) and wakes the dispatchers. */
export async function resumeAll(db: Kysely<DB>, actor: string): Promise<FanoutControlState> {
  return db.transaction().execute(async (trx) => {
    const before = await readControl(trx);
    await trx.updateTable('fanout_control').set({ paused: false, paused_reason: null, paused_at: null }).execute();
    await appendAudit(trx, [
      {
        actor,
        action: 'fanout.resumed',
        entityType: 'fanout',
        entityId: 'all',
        before: { paused: before.paused, pausedReason: before.pausedReason },
        after: { paused: false },
      },
    ]);
    await wakeDispatchers(trx);
    return readControl(trx);
  });
}

// --- reads of the fan-out ------------------------------------------------------------------

export interface PostView {
  id: string;
  accountId: string;
  handle: string;
  language: 'en' | 'cy';
  part: number;
  parts: number;
  text: string;
  state: PostState;
  attempts: number;
  xPostId: string | null;
  outcome: PostOutcome | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  deliveredBy: string | null;
  notBefore: Date;
  replyToPostId: string | null;
  /** A status post, or a reply to a citizen's mention. */
  kind: 'status' | 'reply';
  /** A reply's target: the mention's X post id. */
  inReplyToXId: string | null;
}

function postsQuery(db: Db) {
  return db
    .selectFrom('fanout_posts as p')
    .innerJoin('clusters as c', 'c.id', 'p.cluster_id')
    .select([
      'p.id',
      'p.cluster_id',
      'c.handle',
      'p.language',
      'p.part',
      'p.parts',
      'p.text',
      'p.state',
      'p.attempts',
      'p.x_post_id',
      'p.outcome',
      'p.last_error',
      'p.created_at',
      'p.delivered_at',
      'p.delivered_by',
      'p.not_before',
      'p.reply_to_post_id',
      'p.batch_id',
      'p.kind',
      'p.in_reply_to_x_id',
    ]);
}

type PostRow = Awaited<ReturnType<ReturnType<typeof postsQuery>['execute']>>[number];

function toPostView(r: PostRow): PostView {
  return {
    id: String(r.id),
    accountId: r.cluster_id,
    handle: r.handle,
    language: r.language,
    part: r.part,
    parts: r.parts,
    text: r.text,
    state: r.state,
    attempts: r.attempts,
    xPostId: r.x_post_id,
    outcome: r.outcome,
    lastError: r.last_error,
    createdAt: toDate(r.created_at) ?? new Date(0),
    deliveredAt: toDate(r.delivered_at),
    deliveredBy: r.delivered_by,
    notBefore: toDate(r.not_before) ?? new Date(0),
    replyToPostId: r.reply_to_post_id === null ? null : String(r.reply_to_post_id),
    kind: r.kind,
    inReplyToXId: r.in_reply_to_x_id,
  };
}

/**
 * An account's posts, newest first; `before` (a post id) pages back. `kind: 'status'`
 * leaves the replies to citizens out (in the query, so that a page is still full).
 */
export async function postsForAccount(
  db: Kysely<DB>,
  clusterId: string,
  options: { state?: PostState; kind?: 'status' | 'reply'; limit: number; before?: string },
): Promise<PostView[]> {
  let query = postsQuery(db).where('p.cluster_id', '=', clusterId).orderBy('p.id', 'desc').limit(options.limit);
  if (options.state) query = query.where('p.state', '=', options.state);
  if (options.kind) query = query.where('p.kind', '=', options.kind);
  if (options.before !== undefined) query = query.where('p.id', '<', options.before);
  return (await query.execute()).map(toPostView);
}

/**
 * What became of a change: `pending` (not composed yet), `composed` (its office is named
 * in the batch's posts), `unchanged` (composed into a batch that does not name it: undone
 * within the window, or what its followers already heard) or `none` (not in the outbox,
 * e.g. recorded before the fan-out existed).
 */
export type ChangeFanoutState = 'pending' | 'composed' | 'unchanged' | 'none';

export interface ChangeFanout {
  seq: string;
  officeId: string;
  accountId: string;
  urgent: boolean;
  state: ChangeFanoutState;
  batch: { id: string; composedAt: Date } | null;
  posts: PostView[];
}

interface OutboxEntry {
  change_seq: string;
  office_id: string;
  cluster_id: string;
  urgent: boolean;
  batch_id: string | null;
  composed_at: Date | null;
  offices: string[] | null;
}

async function describeEntries(db: Db, entries: readonly OutboxEntry[]): Promise<ChangeFanout[]> {
  const composed = entries.filter((e) => e.batch_id !== null && (e.offices ?? []).includes(e.office_id));
  const batchIds = [...new Set(composed.map((e) => e.batch_id as string))];
  const posts =
    batchIds.length === 0 ? [] : await postsQuery(db).where('p.batch_id', 'in', batchIds).orderBy('p.id').execute();
  const byBatch = new Map<string, PostView[]>();
  for (const p of posts)
    if (p.batch_id !== null) byBatch.set(p.batch_id, [...(byBatch.get(p.batch_id) ?? []), toPostView(p)]);
  return entries.map((e) => {
    const named = e.batch_id !== null && (e.offices ?? []).includes(e.office_id);
    return {
      seq: String(e.change_seq),
      officeId: e.office_id,
      accountId: e.cluster_id,
      urgent: e.urgent,
      state: e.batch_id === null ? 'pending' : named ? 'composed' : 'unchanged',
      batch: e.batch_id === null ? null : { id: e.batch_id, composedAt: toDate(e.composed_at) ?? new Date(0) },
      posts: named && e.batch_id !== null ? (byBatch.get(e.batch_id) ?? []) : [],
    };
  });
}

function outboxQuery(db: Db) {
  return db
    .selectFrom('fanout_outbox as o')
    .leftJoin('fanout_batches as b', 'b.id', 'o.batch_id')
    .select(['o.change_seq', 'o.office_id', 'o.cluster_id', 'o.urgent', 'o.batch_id', 'b.composed_at', 'b.offices']);
}

/** What the fan-out made of one status change; undefined when there is no such change. */
export async function postsForChange(db: Kysely<DB>, seq: string): Promise<ChangeFanout | undefined> {
  const change = await db
    .selectFrom('status_changes as s')
    .innerJoin('offices as f', 'f.id', 's.office_id')
    .select(['s.seq', 's.office_id', 'f.cluster_id'])
    .where('s.seq', '=', seq)
    .executeTakeFirst();
  if (!change) return undefined;
  const entry = await outboxQuery(db).where('o.change_seq', '=', seq).executeTakeFirst();
  if (!entry)
    return {
      seq: String(change.seq),
      officeId: change.office_id,
      accountId: change.cluster_id,
      urgent: false,
      state: 'none',
      batch: null,
      posts: [],
    };
  return (await describeEntries(db, [entry]))[0];
}

/** The office's recent outbox entries, newest first, each as postsForChange describes it. */
export async function fanoutForOffice(
  db: Kysely<DB>,
  officeId: string,
  options: { limit: number },
): Promise<ChangeFanout[]> {
  const entries = await outboxQuery(db)
    .where('o.office_id', '=', officeId)
    .orderBy('o.change_seq', 'desc')
    .limit(options.limit)
    .execute();
  return describeEntries(db, entries);
}

export interface DeliveryHealth {
  paused: boolean;
  pausedReason: string | null;
  pausedAt: Date | null;
  appBlockedUntil: Date | null;
  appBudget: BudgetRule & { used: number; replies: AppBudgetReplies; status: AppBudgetStatus };
  queuedPosts: number;
  oldestQueuedAt: Date | null;
  pendingChanges: number;
  /** Posts that failed for good, created in the last 24 hours. */
  failedPosts: number;
  /** Accounts with failures since their last success, or paused with a reason. */
  accountsWithErrors: string[];
}

/** Replies' part of the app's budget: their share of it, and how much of that is used and left. */
export interface AppBudgetReplies {
  share: number;
  limit: number;
  used: number;
  remaining: number;
}

/** Status posts' part: used, left (the replies' unused share included), and left of their own share whatever replies do. */
export interface AppBudgetStatus {
  used: number;
  remaining: number;
  guaranteedRemaining: number;
}

/** The fan-out as a whole: the switch, the app budget (split between replies and status posts), what waits and what failed. */
export async function deliveryHealth(
  db: Kysely<DB>,
  budgets: { user?: BudgetRule; app?: AppBudgetRule } = {},
): Promise<DeliveryHealth> {
  const appBudget = budgets.app ?? DEFAULT_APP_POST_BUDGET;
  const [control, sends, queued, pending, failed, failing, paused] = await Promise.all([
    readControl(db),
    db
      .selectFrom('fanout_sends')
      .select([
        sql<string>`count(*) filter (where kind = 'status')`.as('status'),
        sql<string>`count(*) filter (where kind = 'reply')`.as('replies'),
      ])
      .where('sent_at', '>', since(appBudget.windowMs))
      .executeTakeFirst(),
    db
      .selectFrom('fanout_posts')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('state', '=', 'queued')
      .executeTakeFirst(),
    db
      .selectFrom('fanout_outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('batch_id', 'is', null)
      .executeTakeFirst(),
    db
      .selectFrom('fanout_posts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', '=', 'failed')
      .where('created_at', '>', since(24 * 3_600_000))
      .executeTakeFirst(),
    db.selectFrom('fanout_accounts').select('cluster_id').where('consecutive_failures', '>', 0).execute(),
    db.selectFrom('clusters').select('id').where('paused_reason', 'is not', null).execute(),
  ]);
  const split = splitAppBudget(appBudget, { status: Number(sends?.status ?? 0), replies: Number(sends?.replies ?? 0) });
  return {
    ...control,
    appBudget: {
      limit: appBudget.limit,
      windowMs: appBudget.windowMs,
      used: split.used,
      replies: {
        share: split.replyShare,
        limit: split.replyLimit,
        used: split.repliesUsed,
        remaining: split.repliesRemaining,
      },
      status: {
        used: split.statusUsed,
        remaining: split.statusRemaining,
        guaranteedRemaining: split.statusGuaranteedRemaining,
      },
    },
    queuedPosts: Number(queued?.n ?? 0),
    oldestQueuedAt: toDate(queued?.oldest),
    pendingChanges: Number(pending?.n ?? 0),
    failedPosts: Number(failed?.n ?? 0),
    accountsWithErrors: [...new Set([...failing.map((f) => f.cluster_id), ...paused.map((p) => p.id)])].sort(),
  };
}
