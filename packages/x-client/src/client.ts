// A twitter-api-v2 client (OAuth 1.0a user context) whose every request goes to `baseUrl`:
// a client plugin rewrites the URL's protocol and host before it is signed (see X-API-NOTES.md).
import http from 'node:http';
import { TwitterApi, type ITwitterApiClientPlugin, type ITwitterApiBeforeRequestConfigHookArgs } from 'twitter-api-v2';
import type { XCredentialFields } from './secrets.js';

export interface XClientOptions extends XCredentialFields {
  /** e.g. http://127.0.0.1:4100 for the emulator; omitted → the real X API. */
  baseUrl?: string | undefined;
  /** Gives up on a request idle this long (the caller retries it): a hung connection must not hold a post's lease. */
  timeoutMs?: number | undefined;
}

/** One keep-alive agent for every plain-HTTP client (the emulator), rather than one per account. */
const sharedHttpAgent = new http.Agent({ keepAlive: true });

/** Sets the request timeout on calls that do not choose one (the library's v2 helpers never do). */
export function timeoutPlugin(timeoutMs: number): ITwitterApiClientPlugin {
  const apply = ({ params }: ITwitterApiBeforeRequestConfigHookArgs) => {
    params.timeout ??= timeoutMs;
  };
  return { onBeforeRequestConfig: (args) => { apply(args); } };
}

/** A plugin that sends every request (streams and OAuth2 token calls included) to `baseUrl`. */
export function redirectPlugin(baseUrl: string): ITwitterApiClientPlugin {
  const target = new URL(baseUrl);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`X base URL must be http or https, not ${target.protocol}`);
  const rewrite = ({ params }: ITwitterApiBeforeRequestConfigHookArgs) => {
    const url = new URL(params.url);
    url.protocol = target.protocol;
    url.host = target.host;
    params.url = url.toString();
  };
  return { onBeforeRequestConfig: (args) => { rewrite(args); }, onBeforeStreamRequestConfig: rewrite };
}

export function createXClient(options: XClientOptions): TwitterApi {
  const credentials = { appKey: options.appKey, appSecret: options.appSecret, accessToken: options.accessToken, accessSecret: options.accessSecret };
  const plugins = options.timeoutMs ? [timeoutPlugin(options.timeoutMs)] : [];
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
export async function findRecentPost(client: TwitterApi, userId: string, text: string, options: { maxPages?: number; since?: Date } = {}): Promise<{ id: string } | null> {
  const maxPages = options.maxPages === undefined || Number.isNaN(options.maxPages) ? 2 : Math.max(1, Math.floor(options.maxPages));
  const wanted = comparable(text);
  const since = options.since?.getTime();
  let page = await client.v2.userTimeline(userId, { max_results: 100, 'tweet.fields': ['created_at'] });
  for (let read = 1; ; read++) {
    // Each page is newest first, and pages run from newer to older.
    const fresh = since === undefined ? page.tweets : page.tweets.filter((post) => post.created_at === undefined || Date.parse(post.created_at) >= since);
    const found = fresh.find((post) => comparable(unescapeXText(post.text)) === wanted);
    if (found) return { id: found.id };
    // Older than `since` from here on: not the post sought.
    if (fresh.length < page.tweets.length) return null;
    if (read >= maxPages || page.done || page.tweets.length === 0) return null;
    page = await page.next();
  }
}
