/**
 * When an account's waiting status changes may be composed into posts: the rules of
 * coalescing, posting windows, urgent notices and pauses in one pure function, so that
 * the dispatcher and the account's health answer alike.
 */
import { nextWindowOpening, type PostingWindow } from './posting-window.js';

export type FanoutWait = 'paused' | 'no-credentials' | 'delivering' | 'coalescing' | 'posting-window';

export interface PendingState {
  /** When the oldest change not yet composed was recorded. */
  oldest: Date;
  /** Any waiting change comes from a notice marked urgent. */
  urgent: boolean;
  coalesceSeconds: number;
  window: PostingWindow;
  /** The account lets urgent notices through outside its posting window. */
  allowUrgent: boolean;
  /** The account, or every account, is paused. */
  paused: boolean;
  hasCredentials: boolean;
  /** Posts composed earlier are not all delivered yet (they go first, in order). */
  delivering: boolean;
}

export interface Readiness {
  /** Why it waits; null when it may be composed now. */
  waiting: FanoutWait | null;
  /** When time alone makes it ready (now when ready; null when someone must act or a delivery must finish). */
  readyAt: Date | null;
}

export function fanoutReadiness(state: PendingState, now: Date): Readiness {
  if (state.paused) return { waiting: 'paused', readyAt: null };
  if (!state.hasCredentials) return { waiting: 'no-credentials', readyAt: null };
  if (state.delivering) return { waiting: 'delivering', readyAt: null };
  const bypass = state.urgent && state.allowUrgent;
  const coalesced = new Date(state.oldest.getTime() + state.coalesceSeconds * 1000);
  // The later of the end of coalescing and the window's opening (unless urgent may bypass it).
  const opens = bypass ? coalesced : nextWindowOpening(state.window, coalesced > now ? coalesced : now);
  if (coalesced > now) return { waiting: 'coalescing', readyAt: opens };
  if (opens > now) return { waiting: 'posting-window', readyAt: opens };
  return { waiting: null, readyAt: now };
}
