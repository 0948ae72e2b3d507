// OAuth 1.0a as X checks it: the consumer key, the account's token, a signature over the
// request, a timestamp within five minutes and a nonce never seen before.
import type { FastifyRequest } from 'fastify';
import type { Account } from './model.js';
import { hmacSha1Signature, parseOAuthHeader, safeEqual, signatureBaseString } from './oauth1.js';
import type { EmulatorStore } from './store.js';

/** The account a request is signed for, or undefined when X would answer 401. */
export function authenticate(store: EmulatorStore, request: FastifyRequest): Account | undefined {
  const oauth = parseOAuthHeader(request.headers.authorization);
  if (!oauth) return undefined;
  const signature = oauth.get('oauth_signature');
  const token = oauth.get('oauth_token');
  const consumerKey = oauth.get('oauth_consumer_key');
  const nonce = oauth.get('oauth_nonce');
  const timestamp = Number(oauth.get('oauth_timestamp'));
  if (
    !signature ||
    !token ||
    !nonce ||
    consumerKey !== store.options.consumerKey ||
    oauth.get('oauth_signature_method') !== 'HMAC-SHA1'
  )
    return undefined;
  const account = store.byToken.get(token);
  if (!account || (account.consumerKey !== undefined && account.consumerKey !== consumerKey)) return undefined;
  if (!Number.isFinite(timestamp) || Math.abs(store.now() / 1000 - timestamp) > 300) return undefined;
  const [path, query = ''] = request.url.split('?', 2) as [string, string?];
  const params: [string, string][] = [...oauth].filter(([k]) => k !== 'oauth_signature' && k !== 'realm');
  params.push(...new URLSearchParams(query));
  if (
    request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') &&
    request.body &&
    typeof request.body === 'object'
  ) {
    for (const [k, v] of Object.entries(request.body as Record<string, string>)) params.push([k, v]);
  }
  const host = (request.headers.host ?? '').toLowerCase().replace(/:80$/, '');
  const base = signatureBaseString(request.method, `${request.protocol}://${host}${path}`, params);
  if (!safeEqual(hmacSha1Signature(base, store.options.consumerSecret, account.accessTokenSecret), signature))
    return undefined;
  const t = store.now();
  if (t - store.noncesPrunedAt > 1_000) {
    store.noncesPrunedAt = t;
    for (const [k, exp] of store.nonces) if (exp <= t) store.nonces.delete(k);
  }
  const nonceKey = `${token}\u0000${nonce}`;
  if (store.nonces.has(nonceKey)) return undefined;
  store.nonces.set(nonceKey, t + 10 * 60_000);
  return account;
}
