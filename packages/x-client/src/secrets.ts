// Credentials at rest: AES-256-GCM with a random 12-byte IV, in a versioned compact format
// `v1.<iv>.<tag>.<ciphertext>` (base64url). The version is bound as additional authenticated data.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Decode a base64 (or base64url) string of exactly 32 bytes; the error never echoes the input. */
export function parseCredentialsKey(base64: string): Buffer {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64.trim())) {
    throw new Error('credentials key must be 32 bytes encoded as base64');
  }
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(`credentials key must be 32 bytes encoded as base64 (it decodes to ${key.length} bytes)`);
  }
  return key;
}

function toKey(key: Buffer | Uint8Array | string): Buffer {
  if (typeof key === 'string') return parseCredentialsKey(key);
  if (key.length !== KEY_BYTES) throw new Error(`credentials key must be 32 bytes (got ${key.length} bytes)`);
  return Buffer.from(key);
}

export function encryptSecret(plaintext: string, key: Buffer | Uint8Array | string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', toKey(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(VERSION));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function decryptSecret(token: string, key: Buffer | Uint8Array | string): string {
  const k = toKey(key);
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 4 || parts[0] !== VERSION || !parts.slice(1).every((p) => /^[A-Za-z0-9_-]*$/.test(p))) {
    throw new Error('encrypted secret is malformed or of an unknown version');
  }
  const iv = Buffer.from(parts[1]!, 'base64url');
  const tag = Buffer.from(parts[2]!, 'base64url');
  const ciphertext = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('encrypted secret is malformed or of an unknown version');
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(VERSION));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('encrypted secret could not be decrypted: wrong key or tampered data');
  }
}

export interface XCredentialFields {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

const REDACTED = '[redacted]';

/**
 * OAuth 1.0a user-context credentials that never log their secrets: the values live in private
 * fields, and JSON.stringify, util.inspect and String() show only the (public) app key and token id.
 */
export class XCredentials implements XCredentialFields {
  readonly #appKey: string;
  readonly #appSecret: string;
  readonly #accessToken: string;
  readonly #accessSecret: string;

  constructor(fields: XCredentialFields) {
    this.#appKey = fields.appKey;
    this.#appSecret = fields.appSecret;
    this.#accessToken = fields.accessToken;
    this.#accessSecret = fields.accessSecret;
  }

  get appKey(): string { return this.#appKey; }
  get appSecret(): string { return this.#appSecret; }
  get accessToken(): string { return this.#accessToken; }
  get accessSecret(): string { return this.#accessSecret; }

  /** A plain object with the secrets, for handing to the client library only. */
  reveal(): XCredentialFields {
    return { appKey: this.#appKey, appSecret: this.#appSecret, accessToken: this.#accessToken, accessSecret: this.#accessSecret };
  }

  toJSON(): Record<keyof XCredentialFields, string> {
    return { appKey: REDACTED, appSecret: REDACTED, accessToken: REDACTED, accessSecret: REDACTED };
  }

  toString(): string {
    return 'XCredentials [redacted]';
  }

  [inspect.custom](): string {
    return 'XCredentials { appKey: [redacted], appSecret: [redacted], accessToken: [redacted], accessSecret: [redacted] }';
  }
}

/** Decrypt stored secrets into redacting credentials. */
export function decryptCredentials(
  stored: { appKey: string; appSecret: string; accessToken: string; accessSecret: string },
  key: Buffer | Uint8Array | string,
  encrypted: (keyof XCredentialFields)[] = ['appSecret', 'accessToken', 'accessSecret'],
): XCredentials {
  const k = toKey(key);
  const field = (name: keyof XCredentialFields) => (encrypted.includes(name) ? decryptSecret(stored[name], k) : stored[name]);
  return new XCredentials({ appKey: field('appKey'), appSecret: field('appSecret'), accessToken: field('accessToken'), accessSecret: field('accessSecret') });
}

/** One account's OAuth 1.0a user tokens (the app's key and secret come from config). */
export interface AccountTokens {
  accessToken: string;
  accessSecret: string;
}

/** The stored form of an account's tokens: one AES-256-GCM secret holding both. */
export function sealAccountTokens(tokens: AccountTokens, key: Buffer | Uint8Array | string): string {
  return encryptSecret(JSON.stringify({ accessToken: tokens.accessToken, accessSecret: tokens.accessSecret }), key);
}

export function openAccountTokens(sealed: string, key: Buffer | Uint8Array | string): AccountTokens {
  const value: unknown = JSON.parse(decryptSecret(sealed, key));
  const v = value as Partial<AccountTokens> | null;
  if (typeof v?.accessToken !== 'string' || typeof v.accessSecret !== 'string') throw new Error('stored account tokens are malformed');
  return { accessToken: v.accessToken, accessSecret: v.accessSecret };
}
