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
  if (!Number.isInteger(rule.limit) || rule.limit < 1) throw new RangeError(`budget limit must be an integer >= 1, got ${rule.limit}`);
  if (!Number.isFinite(rule.windowMs) || rule.windowMs < 1) throw new RangeError(`budget window must be >= 1 ms, got ${rule.windowMs}`);
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
