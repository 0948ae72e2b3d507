/**
 * Sliding-window budgets for X's rate limits: how many posts went out in the window
 * ending now, and when the next one may go. Pure: the caller passes the send times it
 * recorded and the clock. Waiting on our own count, rather than on X's 429, keeps an
 * account from being throttled in the middle of a thread.
 */

export interface BudgetRule {
  /** Sends allowed in any window of `windowMs`. */
  limit: number;
  windowMs: number;
}

/** X's documented defaults (DESIGN.md): POST /2/tweets 100 per 15 min per user, 10,000 per 24 h per app. */
export const DEFAULT_USER_POST_BUDGET: BudgetRule = { limit: 100, windowMs: 15 * 60_000 };
export const DEFAULT_APP_POST_BUDGET: BudgetRule = { limit: 10_000, windowMs: 24 * 60 * 60_000 };

/** A limit below 1 could never be waited out, so it is a configuration error, not a wait. */
function assertRule(rule: BudgetRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 1)
    throw new RangeError(`budget limit must be an integer >= 1, got ${rule.limit}`);
  if (!Number.isFinite(rule.windowMs) || rule.windowMs < 1)
    throw new RangeError(`budget window must be >= 1 ms, got ${rule.windowMs}`);
}

/**
 * The send times counted at `now`, oldest first: those in (now - windowMs, now]. A send
 * exactly windowMs ago has aged out. Sends after `now` (a skewed clock) are not counted.
 */
function inWindow(sentAt: readonly Date[], rule: BudgetRule, now: Date): number[] {
  assertRule(rule);
  const end = now.getTime();
  if (Number.isNaN(end)) throw new RangeError('invalid instant');
  const start = end - rule.windowMs;
  return sentAt
    .map((d) => d.getTime())
    .filter((t) => t > start && t <= end)
    .sort((a, b) => a - b);
}

/** Sends counted in the window ending at `now`: those with sentAt > now - windowMs (and <= now). */
export function budgetUsed(sentAt: readonly Date[], rule: BudgetRule, now: Date): number {
  return inWindow(sentAt, rule, now).length;
}

/**
 * null when one more send is allowed at `now`; otherwise the earliest instant it is
 * allowed: when enough in-window sends have aged out to leave room for one, i.e. the
 * (used - limit + 1)-th oldest in-window send + windowMs. `sentAt` need not be sorted.
 * Throws RangeError for a limit below 1 or a window below 1 ms.
 */
export function budgetWaitUntil(sentAt: readonly Date[], rule: BudgetRule, now: Date): Date | null {
  const times = inWindow(sentAt, rule, now);
  if (times.length < rule.limit) return null;
  // Once the oldest (used - limit + 1) sends age out, limit - 1 remain: room for one.
  return new Date(times[times.length - rule.limit]! + rule.windowMs);
}

/** The latest of several waits (null = none). */
export function latestWait(...waits: (Date | null)[]): Date | null {
  let latest: Date | null = null;
  for (const wait of waits) if (wait && (!latest || wait.getTime() > latest.getTime())) latest = wait;
  return latest;
}

/**
 * The app's post budget, with the share of it replies to citizens may use. X gives an app one
 * budget for every post of every account (10,000 a day); replies are answers to whoever asks,
 * so their number is set from outside, and without a ceiling a flood of questions (or someone
 * asking on purpose) could spend the day's budget and silence the status posts, which are the
 * service's primary job.
 */
export interface AppBudgetRule extends BudgetRule {
  /** The fraction of `limit` replies may use, 0 to 1 (default {@link DEFAULT_REPLY_BUDGET_SHARE}). */
  replyShare?: number;
}

/**
 * Replies may use half the app's budget by default (X_REPLY_BUDGET_SHARE): 5,000 a day is far
 * more than the questions of the worst snowy morning (each person gets at most 3 replies an
 * hour), and the other 5,000 keep about 45 close-and-reopen rounds of every office for status
 * posts whatever the replies do.
 */
export const DEFAULT_REPLY_BUDGET_SHARE = 0.5;

/** How the app's budget stands, split between replies and status posts, in the window ending now. */
export interface AppBudgetSplit {
  limit: number;
  /** Sends of either kind in the window. */
  used: number;
  replyShare: number;
  /** The most replies the window may hold: floor(limit × replyShare). */
  replyLimit: number;
  repliesUsed: number;
  /** Replies that may go now: their share not yet used, and never more than the budget left. */
  repliesRemaining: number;
  statusUsed: number;
  /** Status posts that may go now: everything left, the replies' unused share included. */
  statusRemaining: number;
  /** What status posts keep whatever replies do: their own share (limit − replyLimit) not yet used. */
  statusGuaranteedRemaining: number;
}

/**
 * The app's budget split between replies and status posts (pure: the caller counts the sends
 * of each kind in the window). Replies never take more than their share, so status posts
 * always have the rest; status posts may use the whole budget, the replies' unused share
 * included, because posting the news is the service's first job. Throws RangeError for a
 * share outside 0-1 (and, as every budget, for a limit below 1 or a window below 1 ms).
 */
export function splitAppBudget(rule: AppBudgetRule, used: { status: number; replies: number }): AppBudgetSplit {
  assertRule(rule);
  const replyShare = rule.replyShare ?? DEFAULT_REPLY_BUDGET_SHARE;
  if (!Number.isFinite(replyShare) || replyShare < 0 || replyShare > 1)
    throw new RangeError(`reply share must be between 0 and 1, got ${replyShare}`);
  const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  const statusUsed = count(used.status);
  const repliesUsed = count(used.replies);
  const total = statusUsed + repliesUsed;
  const left = Math.max(0, rule.limit - total);
  // A hair over, so that 100 × 0.29 (28.999…) is 29.
  const replyLimit = Math.min(rule.limit, Math.floor(rule.limit * replyShare + 1e-9));
  return {
    limit: rule.limit,
    used: total,
    replyShare,
    replyLimit,
    repliesUsed,
    repliesRemaining: Math.min(left, Math.max(0, replyLimit - repliesUsed)),
    statusUsed,
    statusRemaining: left,
    statusGuaranteedRemaining: Math.max(0, rule.limit - replyLimit - statusUsed),
  };
}
