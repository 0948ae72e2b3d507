// The fan-out's claim: which posts go now, decided by the budgets (the app's, shared between
// status posts and replies; each account's, with a fifth kept for status posts), the posting
// window and whether a batch was overtaken. The repositories read and lease.
import {
  claimableHeads,
  claimControl,
  DEFAULT_RECOMPOSE_AFTER_SECONDS,
  leasePosts,
  pruneSends,
  sendCounts,
  sendTimes,
  takeLock,
  toClaimedPost,
  type ClaimedPost,
  type DB,
} from '@jcp/db';
import {
  budgetWaitUntil,
  inPostingWindow,
  splitAppBudget,
  supersedable,
  type AppBudgetRule,
  type BudgetRule,
} from '@jcp/domain';
import type { Kysely } from 'kysely';

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  limit: number;
  userBudget: BudgetRule;
  /** The app's budget, and the share of it replies may use (splitAppBudget). */
  appBudget: AppBudgetRule;
  /** As for composing (default DEFAULT_RECOMPOSE_AFTER_SECONDS). */
  recomposeAfterSeconds?: number;
}

export interface ClaimResult {
  posts: ClaimedPost[];
  /** When an account held back by its budget will have room again (null: none is), on the database's clock. */
  budgetRoomAt: Date | null;
  /** The database's clock at the claim, to turn budgetRoomAt into a delay. */
  now: Date | null;
}

/**
 * The per-account budgets as claims count them. A margin on the window: a send is timed here
 * at the claim and at X on arrival, and X's windows are fixed where ours slides; a little
 * stricter than X never meets a 429. Replies leave a fifth of the account's budget to status
 * posts, so that a surge of questions never holds back the news that answers them.
 */
export function accountBudgets(rule: BudgetRule): { status: BudgetRule; reply: BudgetRule } {
  const status = { limit: rule.limit, windowMs: rule.windowMs + Math.max(1_000, Math.floor(rule.windowMs / 100)) };
  return {
    status,
    reply: { limit: Math.max(1, status.limit - Math.ceil(status.limit / 5)), windowMs: status.windowMs },
  };
}

/**
 * Leases the next post of up to `limit` accounts: each account's lowest queued post
 * (so a reopening never overtakes its closure, and a thread's parts go in order), only
 * where the account is not paused or blocked by a 429, its per-user budget has room and
 * the app's budget has room: replies only within their share of it (splitAppBudget), status
 * posts within all of it. Each claim is recorded as a send, of its kind, for the budgets.
 * Claims are serialised by an advisory lock, so that budgets count exactly across workers.
 */
export async function claimPosts(deps: { db: Kysely<DB> }, options: ClaimOptions): Promise<ClaimResult> {
  const none: ClaimResult = { posts: [], budgetRoomAt: null, now: null };
  return deps.db.transaction().execute(async (trx) => {
    await takeLock(trx, 'fanoutClaim');
    const control = await claimControl(trx, options.appBudget.windowMs);
    if (control.paused) return none;
    const now = control.now;
    if (control.appBlockedUntil && control.appBlockedUntil > now) return none;
    const app = splitAppBudget(options.appBudget, { status: control.statusUsed, replies: control.repliesUsed });
    const room = Math.min(options.limit, app.statusRemaining);
    if (room <= 0) return none;
    // Replies beyond their share are not even looked at (nor locked).
    const replyRoom = Math.min(room, app.repliesRemaining);
    const heads = await claimableHeads(trx, now, replyRoom);
    if (heads.length === 0) return none;

    // Each account's sends in its budget window: the budget arithmetic of packages/domain.
    const budgets = accountBudgets(options.userBudget);
    // Counted per account first; the send times are read only for accounts near their
    // limit (the arithmetic needs them there, and nowhere else).
    const windowStart = new Date(now.getTime() - budgets.status.windowMs);
    const headAccounts = [...new Set(heads.map((h) => h.account_id))];
    const counted = await sendCounts(trx, headAccounts, windowStart);
    const nearLimit = headAccounts.filter((c) => (counted.get(c) ?? 0) + heads.length >= budgets.reply.limit);
    const sentBy = await sendTimes(trx, nearLimit, windowStart);
    const waits: (Date | null)[] = [];
    /** Whether the account's budget has room for one more now; if so, counts it. */
    const take = (accountId: string, rule: BudgetRule): boolean => {
      const sent = sentBy.get(accountId);
      if (!sent) {
        // Far from the limit (checked above for every head at once).
        counted.set(accountId, (counted.get(accountId) ?? 0) + 1);
        return true;
      }
      const wait = budgetWaitUntil(sent, rule, now);
      waits.push(wait);
      if (wait === null) sent.push(now);
      return wait === null;
    };
    const claimable = heads.filter((h) => {
      // A reply answers a citizen day or night: no posting window, no batch to supersede.
      if (h.kind === 'reply') return take(h.account_id, budgets.reply);
      // A batch goes out inside the posting window (or urgent where allowed); one already
      // begun is finished, so that a thread is not left half-posted until the morning.
      const window = { start: h.posting_window_start, end: h.posting_window_end };
      if (!h.started && !inPostingWindow(window, now) && !(h.urgent && h.allow_urgent)) return false;
      // A batch not begun that newer changes or time have overtaken is the composer's to
      // replace: sending it now would post what is no longer true.
      const batch = { composedAt: new Date(h.composed_at ?? now), started: Boolean(h.started) };
      const recomposeAfter = options.recomposeAfterSeconds ?? DEFAULT_RECOMPOSE_AFTER_SECONDS;
      if (supersedable(batch, Boolean(h.has_pending), now, recomposeAfter)) return false;
      return take(h.account_id, budgets.status);
    });
    // Within the app's budget: every kind within what is left, replies within their share too.
    let replies = 0;
    const chosen = claimable.filter((h) => h.kind !== 'reply' || replies++ < replyRoom).slice(0, room);
    const budgetRoomAt = waits
      .filter((w): w is Date => w !== null)
      .reduce<Date | null>((min, w) => (min === null || w < min ? w : min), null);
    if (chosen.length === 0) return { posts: [], budgetRoomAt, now };
    await leasePosts(trx, {
      ids: chosen.map((h) => h.id),
      workerId: options.workerId,
      now,
      leaseUntil: new Date(now.getTime() + options.leaseMs),
    });
    return { posts: chosen.map((h) => toClaimedPost(h, now)), budgetRoomAt, now };
  });
}

/** Deletes the records of sends older than any budget window looks at (the claims' budgets read them). */
export async function pruneSendRecords(
  deps: { db: Kysely<DB> },
  budgets: { userBudget: BudgetRule; appBudget: AppBudgetRule },
): Promise<number> {
  return pruneSends(deps.db, Math.max(budgets.userBudget.windowMs, budgets.appBudget.windowMs) + 60_000);
}
