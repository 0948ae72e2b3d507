// A twitter-api-v2 client (OAuth 1.0a user context) whose every request goes to `baseUrl`:
// a client plugin rewrites the URL's protocol and host before it is signed (see X-API-NOTES.md),
// and every request has a deadline for the whole of it.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { isXUsername, postIdTime } from '@jcp/domain';
import { TwitterApi, type ITwitterApiClientPlugin, type ITwitterApiBeforeRequestConfigHookArgs } from 'twitter-api-v2';
import type { XCredentialFields } from './secrets.js';

export interface XClientOptions extends XCredentialFields {
  /** e.g. http://127.0.0.1:4100 for the emulator; omitted → the real X API. */
  baseUrl?: string | undefined;
  /**
   * The longest one request may take in all (connecting, waiting, and reading however slowly
   * the answer comes) before it is abandoned and the caller retries: a request must not
   * outlast a post's lease. Within withXDeadline, the sooner of the two.
   */
  timeoutMs?: number | undefined;
}

/** One keep-alive agent for every plain-HTTP client (the emulator), rather than one per account. */
const sharedHttpAgent = new http.Agent({ keepAlive: true });

/** The time (ms since the epoch) by which every request of the current task must be done. */
const taskDeadline = new AsyncLocalStorage<number>();

/**
 * Runs `task` with a deadline for all the X requests it makes (through any client of
 * createXClient): each is abandoned at `deadline` (ms since the epoch) at the latest, or
 * sooner by its own timeout. For one delivery attempt, which may make several requests (a
 * lookup of the thread, the post, a lookup after a duplicate) and must end before its lease.
 */
export function withXDeadline<T>(deadline: number, task: () => Promise<T>): Promise<T> {
  return taskDeadline.run(deadline, task);
}

/**
 * Gives every request a deadline for the whole of it: the sooner of `timeoutMs` from now
 * (when given) and the current withXDeadline, as an AbortSignal that destroys the request,
 * however slowly its answer drips in. twitter-api-v2's own `timeout` only notices a socket
 * idle that long, so it is set too (a connection that never answers fails as before).
 */
export function timeoutPlugin(timeoutMs: number | undefined): ITwitterApiClientPlugin {
  return {
    onBeforeRequestConfig: ({ params }) => {
      if (timeoutMs) params.timeout ??= timeoutMs;
    },
    onBeforeRequest: ({ requestOptions }) => {
      const deadline = taskDeadline.getStore();
      const left = Math.min(timeoutMs ?? Infinity, deadline === undefined ? Infinity : deadline - Date.now());
      if (Number.isFinite(left)) requestOptions.signal = AbortSignal.timeout(Math.max(0, Math.floor(left)));
    },
  };
}

/** A plugin that sends every request (streams and OAuth2 token calls included) to `baseUrl`. */
export function redirectPlugin(baseUrl: string): ITwitterApiClientPlugin {
  const target = new URL(baseUrl);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new Error(`X base URL must be http or https, not ${target.protocol}`);
  const rewrite = ({ params }: ITwitterApiBeforeRequestConfigHookArgs) => {
    const url = new URL(params.url);
    url.protocol = target.protocol;
    url.host = target.host;
    params.url = url.toString();
  };
  return {
    onBeforeRequestConfig: (args) => {
      rewrite(args);
    },
    onBeforeStreamRequestConfig: rewrite,
  };
}

export function createXClient(options: XClientOptions): TwitterApi {
  const credentials = {
    appKey: options.appKey,
    appSecret: options.appSecret,
    accessToken: options.accessToken,
    accessSecret: options.accessSecret,
  };
  const plugins = [timeoutPlugin(options.timeoutMs)];
  if (!options.baseUrl) return new TwitterApi(credentials, { plugins });
  plugins.push(redirectPlugin(options.baseUrl));
  const isHttp = new URL(options.baseUrl).protocol === 'http:';
  return new TwitterApi(credentials, { plugins, ...(isHttp ? { httpAgent: sharedHttpAgent } : {}) });
}

/** Post (or reply to `replyTo`) and return the new post's id. Errors propagate: see classifyXError. */
export async function postTweet(client: TwitterApi, text: string, replyTo?: string): Promise<{ id: string }> {
  const result = replyTo === undefined ? await client.v2.tweet(text) : await client.v2.reply(text, replyTo);
  return { id: result.data.id };
}

/** X's reads give a post's text with `&`, `<` and `>` HTML-escaped; undo exactly that (one pass, so `&amp;lt;` → `&lt;`). */
export function unescapeXText(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, entity: string) => (entity === 'amp' ? '&' : entity === 'lt' ? '<' : '>'));
}

/** The form in which X compares texts for its duplicate rule: NFC, surrounding white space ignored. */
const comparable = (text: string) => text.normalize('NFC').trim();

/**
 * The newest post on `userId`'s own timeline whose text is `text` (both NFC-normalised, X's HTML
 * escaping undone, surrounding white space ignored), made at or after `since` when given, reading
 * at most `maxPages` pages (default 2) of 100; null when none is found. For recovering the id of a post whose answer was lost, after
 * the retry met the duplicate-content 403. Errors propagate: see classifyXError.
 */
export async function findRecentPost(
  client: TwitterApi,
  userId: string,
  text: string,
  options: { maxPages?: number; since?: Date } = {},
): Promise<{ id: string } | null> {
  const maxPages =
    options.maxPages === undefined || Number.isNaN(options.maxPages) ? 2 : Math.max(1, Math.floor(options.maxPages));
  const wanted = comparable(text);
  const since = options.since?.getTime();
  let page = await client.v2.userTimeline(userId, { max_results: 100, 'tweet.fields': ['created_at'] });
  for (let read = 1; ; read++) {
    // Each page is newest first, and pages run from newer to older.
    const fresh =
      since === undefined
        ? page.tweets
        : page.tweets.filter((post) => post.created_at === undefined || Date.parse(post.created_at) >= since);
    const found = fresh.find((post) => comparable(unescapeXText(post.text)) === wanted);
    if (found) return { id: found.id };
    // Older than `since` from here on: not the post sought.
    if (fresh.length < page.tweets.length) return null;
    if (read >= maxPages || page.done || page.tweets.length === 0) return null;
    page = await page.next();
  }
}

/** A post that mentions someone, as X's reads give it (text unescaped), checked against X's rules. */
export interface MentionPost {
  id: string;
  text: string;
  authorId: string;
  /** The author's username as X spells it, only when it is a valid X username (isXUsername); else null. */
  authorUsername: string | null;
  /** X gave a username that breaks X's rule: it is dropped (authorUsername is null), and no reply may be addressed. */
  authorUsernameInvalid: boolean;
  /** created_at, never later than the time in the post's id (X ids are timestamps). */
  createdAt: Date;
  conversationId: string | null;
  inReplyToId: string | null;
  /** Usernames mentioned, in the order they appear, lower case (valid X usernames only). */
  mentions: string[];
  /** A retweet, or a quote of another post. */
  isRepost: boolean;
}

interface RawPost {
  id: string;
  text: string;
  author_id?: string;
  created_at?: string;
  conversation_id?: string;
  referenced_tweets?: { type: string; id: string }[];
  entities?: { mentions?: { username: string; start?: number }[] };
}

/** Why a post read from X was left out (logged by its id only, never its content). */
export type MentionRejection = 'malformed-id' | 'no-author' | 'future-id';

export interface MentionReadOptions {
  /** Epoch ms to judge ids by (default the clock). */
  now?: number;
  /** Told of each post left out; `id` is null when the id itself is malformed. */
  onRejected?: (rejected: { id: string | null; reason: MentionRejection }) => void;
}

/**
 * How far the time in a post's id may run ahead of our clock (clocks differ a little). An id
 * further ahead was not made by X now: the post is malformed and left out.
 */
export const MAX_POST_ID_SKEW_MS = 5 * 60_000;

const X_ID = /^\d{1,20}$/;
const xId = (value: unknown): string | null => (typeof value === 'string' && X_ID.test(value) ? value : null);

/**
 * When a post was made: its created_at, unless that is later than the time its id carries
 * (or missing, or not a date), when it is the id's time. Only X sets the id, and the id
 * cannot be later than the post, so a future created_at can never make an old post look
 * young (and never age out).
 */
function postTime(createdAt: string | undefined, idTime: Date): Date {
  const given = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  return Number.isNaN(given) || given > idTime.getTime() ? idTime : new Date(given);
}

export const MENTION_TWEET_FIELDS = 'author_id,created_at,conversation_id,referenced_tweets,entities';

/**
 * Turns one page of a v2 read (search, mentions timeline, or an Activity API payload) into
 * mention posts: the one place where X's JSON becomes our types, so everything is checked
 * here. Left out (and told to `onRejected`): a post whose id is not an X id or is dated
 * more than MAX_POST_ID_SKEW_MS ahead of now, and a post without its author. Usernames
 * (the author's, and those mentioned) are kept only when they are valid X usernames.
 */
export function toMentionPosts(
  data: readonly RawPost[] | undefined,
  users: readonly { id: string; username?: unknown }[] | undefined,
  options: MentionReadOptions = {},
): MentionPost[] {
  const now = options.now ?? Date.now();
  const usernames = new Map((users ?? []).map((u) => [u.id, u.username]));
  const posts: MentionPost[] = [];
  for (const p of data ?? []) {
    const id = xId(p.id);
    if (id === null) {
      options.onRejected?.({ id: null, reason: 'malformed-id' });
      continue;
    }
    const idTime = postIdTime(id);
    if (idTime.getTime() > now + MAX_POST_ID_SKEW_MS) {
      options.onRejected?.({ id, reason: 'future-id' });
      continue;
    }
    // A post without its author cannot be answered, throttled or told from our own: left
    // out (X always gives author_id when asked).
    const authorId = xId(p.author_id);
    if (authorId === null) {
      options.onRejected?.({ id, reason: 'no-author' });
      continue;
    }
    const text = unescapeXText(p.text);
    const fromEntities = [...(p.entities?.mentions ?? [])]
      .sort((a, b) => (a.start ?? 0) - (b.start ?? 0))
      .map((m) => m.username)
      .filter(isXUsername)
      .map((u) => u.toLowerCase());
    const fromText = [...text.matchAll(/(?:^|[^\w@])@(\w{1,15})(?!\w)/g)].map((m) => m[1]!.toLowerCase());
    const refs = p.referenced_tweets ?? [];
    const username = usernames.get(authorId);
    posts.push({
      id,
      text,
      authorId,
      authorUsername: isXUsername(username) ? username : null,
      authorUsernameInvalid: username !== undefined && !isXUsername(username),
      createdAt: postTime(p.created_at, idTime),
      conversationId: xId(p.conversation_id),
      inReplyToId: xId(refs.find((r) => r.type === 'replied_to')?.id),
      mentions: [...new Set([...fromEntities, ...fromText])],
      isRepost: refs.some((r) => r.type === 'retweeted' || r.type === 'quoted') || /^RT @\w/.test(text),
    });
  }
  return posts;
}

/**
 * Reads every post matching a recent-search `query` newer than `sinceId`, all pages
 * (newest first), calling `onPage` with each before the next is read. Returns the newest
 * id seen (null: none). Errors propagate: see classifyXError; pages handed over before
 * an error stay handed over.
 */
export async function searchRecent(
  client: TwitterApi,
  query: string,
  sinceId: string,
  onPage: (posts: MentionPost[]) => Promise<void>,
  options: { maxPages?: number; onRejected?: MentionReadOptions['onRejected'] } = {},
): Promise<{ newestId: string | null; pages: number; complete: boolean }> {
  const maxPages = options.maxPages ?? 50;
  type Page = {
    data?: RawPost[];
    includes?: { users?: { id: string; username: string }[] };
    meta?: { newest_id?: string; next_token?: string };
  };
  const fetchPage = (nextToken?: string) =>
    client.v2.get<Page>('tweets/search/recent', {
      query,
      since_id: sinceId,
      max_results: 100,
      'tweet.fields': MENTION_TWEET_FIELDS,
      expansions: 'author_id',
      'user.fields': 'username',
      ...(nextToken ? { next_token: nextToken } : {}),
    });
  let newestId: string | null = null;
  let page = await fetchPage();
  for (let pages = 1; ; pages++) {
    if (pages === 1) newestId = page.meta?.newest_id ?? null;
    const nextToken = page.meta?.next_token;
    // The next page is read while this one is handed over (its failure surfaces below, in order).
    const next = nextToken && pages < maxPages ? fetchPage(nextToken) : null;
    next?.catch(() => {});
    const posts = toMentionPosts(
      page.data,
      page.includes?.users,
      options.onRejected ? { onRejected: options.onRejected } : {},
    );
    if (posts.length > 0) await onPage(posts);
    if (!nextToken) return { newestId, pages, complete: true };
    if (!next) return { newestId, pages, complete: false };
    page = await next;
  }
}
