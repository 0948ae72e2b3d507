// Delivery to X as a whole: the switch, the app budget, what waits and what failed.
import { DEFAULT_APP_POST_BUDGET, splitAppBudget, type AppBudgetRule, type BudgetRule } from '@jcp/domain';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';
import { readControl } from './account-pause.js';
import { since, toDate } from './account-sql.js';

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
    db.selectFrom('fanout_accounts').select('account_id').where('consecutive_failures', '>', 0).execute(),
    db.selectFrom('accounts').select('id').where('paused_reason', 'is not', null).execute(),
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
    accountsWithErrors: [...new Set([...failing.map((f) => f.account_id), ...paused.map((p) => p.id)])].sort(),
  };
}
