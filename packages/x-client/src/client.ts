// A twitter-api-v2 client (OAuth 1.0a user context) whose every request goes to `baseUrl`:
// a client plugin rewrites the URL's protocol and host before it is signed (see X-API-NOTES.md).
import http from 'node:http';
import { TwitterApi, type ITwitterApiClientPlugin, type ITwitterApiBeforeRequestConfigHookArgs } from 'twitter-api-v2';
import type { XCredentialFields } from './secrets.js';

export interface XClientOptions extends XCredentialFields {
  /** e.g. http://127.0.0.1:4100 for the emulator; omitted → the real X API. */
  baseUrl?: string;
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
  if (!options.baseUrl) return new TwitterApi(credentials);
  const plugin = redirectPlugin(options.baseUrl);
  const isHttp = new URL(options.baseUrl).protocol === 'http:';
  return new TwitterApi(credentials, { plugins: [plugin], ...(isHttp ? { httpAgent: new http.Agent({ keepAlive: true }) } : {}) });
}

/** Post (or reply to `replyTo`) and return the new post's id. Errors propagate: see classifyXError. */
export async function postTweet(client: TwitterApi, text: string, replyTo?: string): Promise<{ id: string }> {
  const result = replyTo === undefined ? await client.v2.tweet(text) : await client.v2.reply(text, replyTo);
  return { id: result.data.id };
}
