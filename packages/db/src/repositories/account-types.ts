/** The shapes of a account as the repositories read and write it. */
import type { BudgetRule } from '@jcp/domain';
import type { PendingAccount } from './fanout-compose.js';

export const ACCOUNT_LANGUAGES = ['en', 'cy'] as const;
export type AccountLanguage = (typeof ACCOUNT_LANGUAGES)[number];

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
