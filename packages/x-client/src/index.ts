export { createXClient, findRecentPost, MENTION_TWEET_FIELDS, postTweet, redirectPlugin, searchRecent, timeoutPlugin, toMentionPosts, unescapeXText, withXDeadline, type MentionPost, type XClientOptions } from './client.js';
export {
  encryptSecret, decryptSecret, parseCredentialsKey, credentialsKeyId, credentialsKeyring, isSealedWithCurrentKey, SealedSecretError, XCredentials, sealAccountTokens, openAccountTokens,
  type CredentialsKeyring, type CredentialsKeys, type XCredentialFields, type AccountTokens,
} from './secrets.js';
export { classifyXError, backoffDelay, BACKOFF_BASE_MS, BACKOFF_CAP_MS, type XErrorClass, type ClassifyOptions } from './errors.js';
