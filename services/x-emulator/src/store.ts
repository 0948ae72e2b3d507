// The emulator's state: accounts, posts (in id order, with indexes so that a long run such as a
// benchmark stays fast), deleted posts, nonces, rate-limit counters, faults and limits.
import { TWITTER_EPOCH } from './ids.js';
import type { Account, EmulatorOptions, Fault, Tweet } from './model.js';
import { defaultRateLimits, type RateRule } from './rate-limits.js';

/** What a new post is made from: the store gives it its id, time, conversation and mentions. */
export type NewTweet = Omit<Tweet, 'id' | 'createdAt' | 'conversationId' | 'mentions'> & {
  createdAt?: string;
  mentions?: string[];
};

const mentionsIn = (text: string) =>
  [...text.matchAll(/(?:^|[^\w@])@(\w{1,15})(?!\w)/g)].map((m) => m[1]!.toLowerCase());

/** The key under which X refuses a second identical post of one author. */
export const textKey = (authorId: string, text: string) => `${authorId}\u0000${text.trim()}`;

export class EmulatorStore {
  readonly now: () => number;
  readonly accounts = new Map<string, Account>();
  readonly byToken = new Map<string, Account>();
  // In id order (ids only grow), with indexes so that a long run (benchmarks) stays fast.
  tweets: Tweet[] = [];
  byId = new Map<string, Tweet>();
  // Deleted posts: gone from every read, but their conversations keep their reply settings.
  deleted = new Map<string, Tweet>();
  texts = new Set<string>();
  noncesPrunedAt = 0;
  readonly nonces = new Map<string, number>();
  counters = new Map<string, { count: number; resetAt: number }>();
  faults: Fault[] = [];
  limits: Record<string, RateRule[] | null>;
  private lastId = 0n;

  constructor(readonly options: EmulatorOptions) {
    this.now = options.now ?? (() => Date.now());
    this.limits = { ...defaultRateLimits, ...options.rateLimits };
  }

  nextId(): string {
    const candidate = (BigInt(this.now()) - TWITTER_EPOCH) << 22n;
    this.lastId = candidate > this.lastId ? candidate : this.lastId + 1n;
    return this.lastId.toString();
  }

  /** An account by id, or by username (with or without "@", in any case). */
  findAccount(ref: string | undefined): Account | undefined {
    return ref === undefined
      ? undefined
      : (this.accounts.get(ref) ??
          [...this.accounts.values()].find((a) => a.username.toLowerCase() === ref.replace(/^@/, '').toLowerCase()));
  }

  addTweet(t: NewTweet): Tweet {
    const id = this.nextId();
    const parent = t.inReplyToTweetId ? this.byId.get(t.inReplyToTweetId) : undefined;
    const tweet: Tweet = {
      ...t,
      id,
      createdAt: t.createdAt ?? new Date(this.now()).toISOString(),
      conversationId: parent?.conversationId ?? id,
      inReplyToUserId: parent?.authorId,
      mentions: [...new Set([...(t.mentions ?? []), ...mentionsIn(t.text)])],
    };
    if (tweet.inReplyToUserId === undefined) delete tweet.inReplyToUserId;
    if (tweet.inReplyToTweetId === undefined) delete tweet.inReplyToTweetId;
    this.tweets.push(tweet);
    this.byId.set(tweet.id, tweet);
    if (tweet.source === 'api') this.texts.add(textKey(tweet.authorId, tweet.text));
    return tweet;
  }

  /** The first post of the conversation `post` is in (deleted or not), or the post itself. */
  conversationRoot(post: Tweet): Tweet {
    return this.byId.get(post.conversationId) ?? this.deleted.get(post.conversationId) ?? post;
  }

  /** Forgets everything but the ids already given (they only grow). */
  reset(): void {
    this.accounts.clear();
    this.byToken.clear();
    this.nonces.clear();
    this.tweets = [];
    this.byId = new Map();
    this.deleted = new Map();
    this.texts = new Set();
    this.faults = [];
    this.counters = new Map();
    this.limits = { ...defaultRateLimits, ...this.options.rateLimits };
  }
}
