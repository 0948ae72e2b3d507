/**
 * What the bot does with a mention, from what it says and what is known about its
 * author and the account: a status reply, a signposting reply, the human inbox, or
 * nothing. Pure: the caller gathers the facts (in the transaction that records the
 * decision).
 */
import type { Understanding } from './understand.js';

export interface MentionFacts {
  understanding: Understanding;
  /** The author is one of our own accounts (never reply to ourselves or to each other). */
  fromOwnAccount: boolean;
  /** A retweet (repost) or a quote of someone else's post: no question to us. */
  isRepost: boolean;
  /**
   * X gave the author a username that breaks X's own rule (1-15 letters, digits or _): it
   * cannot start a reply, so nothing is sent and a person looks at the mention.
   */
  invalidUsername: boolean;
  /** Seconds between the mention being posted and now. */
  ageSeconds: number;
  /** The author said "stop" before. */
  optedOut: boolean;
  /** The account answers status questions automatically. */
  autoReplies: boolean;
  /** The account sends a signposting reply to other messages. */
  signpostReplies: boolean;
  /** Automatic replies to this author within the throttle window (any account). */
  recentRepliesToAuthor: number;
  /** Automatic replies already in this conversation (a loop with another bot ends here). */
  repliesInConversation: number;
  /** A signposting reply went to this author in the last 24 hours. */
  signpostedToday: boolean;
}

export interface MentionPolicy {
  /** A mention older than this gets no automatic reply (it goes to the inbox). */
  maxAgeSeconds: number;
  /** Automatic replies to one author within the throttle window. */
  userReplyLimit: number;
  /** Automatic replies within one conversation. */
  conversationReplyLimit: number;
}

export const DEFAULT_MENTION_POLICY: MentionPolicy = Object.freeze({
  maxAgeSeconds: 3600,
  userReplyLimit: 3,
  conversationReplyLimit: 2,
});

export type MentionAction = 'reply' | 'signpost' | 'inbox' | 'opted-out' | 'ignored';

export type MentionReason =
  | 'status-question'
  | 'own-account'
  | 'repost'
  | 'asked-to-stop'
  | 'not-a-status-question'
  | 'opted-out'
  | 'auto-replies-off'
  | 'invalid-username'
  | 'too-old'
  | 'conversation-limit'
  | 'throttled';

export interface MentionDecisionResult {
  action: MentionAction;
  reason: MentionReason;
  /** A person should look at it: it goes to the inbox. */
  inbox: boolean;
}

export function decideMention(
  facts: MentionFacts,
  policy: MentionPolicy = DEFAULT_MENTION_POLICY,
): MentionDecisionResult {
  const u = facts.understanding;
  if (facts.fromOwnAccount) return { action: 'ignored', reason: 'own-account', inbox: false };
  if (facts.isRepost) return { action: 'ignored', reason: 'repost', inbox: false };
  if (u.stop) return { action: 'opted-out', reason: 'asked-to-stop', inbox: false };
  // From here a person may need to see it; the question is only whether the bot answers too.
  const inbox = (reason: MentionReason): MentionDecisionResult => ({ action: 'inbox', reason, inbox: true });
  // No automatic answer of any kind can be addressed to a username that is not one.
  if (facts.invalidUsername) return inbox('invalid-username');
  const mayReply = (): MentionReason | null => {
    if (facts.optedOut) return 'opted-out';
    if (facts.ageSeconds > policy.maxAgeSeconds) return 'too-old';
    if (facts.repliesInConversation >= policy.conversationReplyLimit) return 'conversation-limit';
    if (facts.recentRepliesToAuthor >= policy.userReplyLimit) return 'throttled';
    return null;
  };
  if (u.intent !== 'status') {
    if (!facts.signpostReplies || facts.signpostedToday) return inbox('not-a-status-question');
    const blocked = mayReply();
    return blocked
      ? inbox('not-a-status-question')
      : { action: 'signpost', reason: 'not-a-status-question', inbox: true };
  }
  if (!facts.autoReplies) return inbox('auto-replies-off');
  const blocked = mayReply();
  return blocked ? inbox(blocked) : { action: 'reply', reason: 'status-question', inbox: false };
}
