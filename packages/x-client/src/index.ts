export { createXClient, findRecentPost, MAX_POST_ID_SKEW_MS, MENTION_TWEET_FIELDS, postTweet, redirectPlugin, searchRecent, timeoutPlugin, toMentionPosts, unescapeXText, withXDeadline, type MentionPost, type MentionReadOptions, type MentionRejection, type XClientOptions } from './client.js';
export {
  encryptSecret, decryptSecret, parseCredentialsKey, credentialsKeyId, credentialsKeyring, isSealedWithCurrentKey, SealedSecretError, XCredentials, sealAccountTokens, openAccountTokens,
  type CredentialsKeyring, type CredentialsKeys, type XCredentialFields, type AccountTokens,
} from './secrets.js';
export { classifyXError, backoffDelay, xRefusalText, BACKOFF_BASE_MS, BACKOFF_CAP_MS, X_REASON_MAX_LENGTH, type XErrorClass, type ClassifyOptions } from './errors.js';
export { checkCredentials, type CredentialsCheck } from './credentials-check.js';
