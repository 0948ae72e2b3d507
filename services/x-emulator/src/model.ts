// What the emulator holds: accounts, posts, faults, and the options it is built with.
import type { EndpointKey, RateRule } from './rate-limits.js';

export interface EmulatorOptions {
  consumerKey: string;
  consumerSecret: string;
  /** Clock in epoch milliseconds (tests may move it). */
  now?: () => number;
  rateLimits?: Partial<Record<EndpointKey, RateRule[] | null>>;
  logger?: boolean;
}

export interface Account {
  id: string;
  username: string;
  name: string;
  consumerKey?: string;
  accessToken: string;
  accessTokenSecret: string;
}
export interface Tweet {
  id: string;
  text: string;
  authorId: string;
  authorUsername: string;
  authorName: string;
  createdAt: string;
  inReplyToTweetId?: string;
  inReplyToUserId?: string;
  conversationId: string;
  mentions: string[];
  source: 'api' | 'control';
  /** A retweet or a quote of another post. */
  referenced?: { type: 'retweeted' | 'quoted'; id: string };
  /** Who may reply in the conversation this post starts (X's reply_settings; absent: everyone). */
  replySettings?: ReplySettings;
}
/** X's reply_settings: who may reply in a conversation. The emulator follows no one, so `following` admits the mentioned only. */
export const REPLY_SETTINGS = ['everyone', 'mentionedUsers', 'following'] as const;
export type ReplySettings = (typeof REPLY_SETTINGS)[number];
export type FaultKind = 'status' | 'delay' | 'drop' | 'lostAnswer' | 'drip';
/** `skip`: let this many matching requests through first (a fault on the second page of a read). */
export interface Fault {
  kind: FaultKind;
  method?: string;
  path?: string;
  account?: string;
  remaining: number;
  skip?: number;
  status?: number;
  body?: unknown;
  delayMs?: number;
}
