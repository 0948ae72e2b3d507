export { createXClient, postTweet, redirectPlugin, type XClientOptions } from './client.js';
export { encryptSecret, decryptSecret, parseCredentialsKey, decryptCredentials, XCredentials, type XCredentialFields } from './secrets.js';
export { classifyXError, backoffDelay, BACKOFF_BASE_MS, BACKOFF_CAP_MS, type XErrorClass, type ClassifyOptions } from './errors.js';
