// The fan-out's and the mentions' policies as configured.
import type { Config } from '@jcp/config';
import type { MentionRetention } from '@jcp/db';
import type { AppBudgetRule, BudgetRule, MentionPolicy } from '@jcp/domain';

/** The mention policy as configured: max age, the per-user throttle and the conversation limit. */
export function mentionPolicy(config: Config): { policy: MentionPolicy; throttleWindowMs: number } {
  return {
    policy: {
      maxAgeSeconds: config.MENTION_MAX_AGE_SECONDS,
      userReplyLimit: config.MENTION_USER_REPLY_LIMIT,
      conversationReplyLimit: config.MENTION_CONVERSATION_REPLY_LIMIT,
    },
    throttleWindowMs: config.MENTION_USER_REPLY_WINDOW_SECONDS * 1000,
  };
}

/** MENTION_RETENTION_DAYS and MENTION_INBOX_RETENTION_DAYS, as the pruning takes them. */
export function mentionRetention(config: Config): MentionRetention {
  return {
    retentionMs: config.MENTION_RETENTION_DAYS * 86_400_000,
    openInboxMs: config.MENTION_INBOX_RETENTION_DAYS * 86_400_000,
  };
}

/** The per-account and per-app budgets for POST /2/tweets, as configured, with replies' share of the app's. */
export function postBudgets(config: Config): { userBudget: BudgetRule; appBudget: AppBudgetRule } {
  return {
    userBudget: { limit: config.X_USER_POST_LIMIT, windowMs: config.X_USER_POST_WINDOW_MS },
    appBudget: {
      limit: config.X_APP_POST_LIMIT,
      windowMs: config.X_APP_POST_WINDOW_MS,
      replyShare: config.X_REPLY_BUDGET_SHARE,
    },
  };
}
