// Credentials at rest: AES-256-GCM with a random 12-byte IV, in a versioned compact format
// (base64url parts):
//   v2.<key id>.<iv>.<tag>.<ciphertext>  additional authenticated data `v2.<key id>.<context>`,
//                                        the context being the account (account) id: a ciphertext
//                                        copied onto another account does not open there
//   v1.<iv>.<tag>.<ciphertext>           additional data `v1` only (before accounts were bound):
//                                        still opened, with any configured key, until
//                                        `pnpm rotate-credentials` seals it again as v2
// The key id is a fingerprint of the key (HMAC-SHA256 of a fixed label under the key, first 6
// bytes): it says which key sealed a ciphertext without saying anything about the key, so that
// keys can be rotated (X_CREDENTIALS_KEY seals, X_CREDENTIALS_KEY_PREVIOUS still opens).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[0-9a-f]{12}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

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

/** A key's public fingerprint (12 hex digits): names the key in a ciphertext without revealing it. */
export function credentialsKeyId(key: Buffer | Uint8Array | string): string {
  return createHmac('sha256', toKey(key)).update('jcp-status credentials key id').digest('hex').slice(0, 12);
}

/** The key that seals (current) and the keys that still open what was sealed before (previous). */
export interface CredentialsKeyring {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];
}

/** A keyring, or a single key (the current one, nothing previous). */
export type CredentialsKeys = CredentialsKeyring | Buffer | Uint8Array | string;

export function credentialsKeyring(
  current: Buffer | Uint8Array | string,
  previous: readonly (Buffer | Uint8Array | string)[] = [],
): CredentialsKeyring {
  const key = toKey(current);
  // The current key among the previous ones adds nothing: left out.
  return { current: key, previous: previous.map(toKey).filter((k) => !k.equals(key)) };
}

function keyringOf(keys: CredentialsKeys): CredentialsKeyring {
  return typeof keys === 'object' && 'current' in keys ? keys : credentialsKeyring(keys);
}

/** Why a stored secret did not open; the message names no secret (safe for logs, health and reports). */
export class SealedSecretError extends Error {
  readonly code: 'malformed' | 'unknown-key' | 'not-for-this-account';
  constructor(code: SealedSecretError['code'], message: string) {
    super(message);
    this.name = 'SealedSecretError';
    this.code = code;
  }
}

/** The context bound into a ciphertext: a non-empty account id (no dot, which separates the parts). */
function checkContext(context: string): void {
  if (typeof context !== 'string' || context.length === 0 || context.length > 200 || context.includes('.')) {
    throw new Error('the context of a sealed secret must be a non-empty id of at most 200 characters without a dot');
  }
}

/** Seals `plaintext` with the current key, bound to `context` (the account id). */
export function encryptSecret(plaintext: string, keys: CredentialsKeys, context: string): string {
  checkContext(context);
  const key = keyringOf(keys).current;
  const keyId = credentialsKeyId(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(`v2.${keyId}.${context}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v2',
    keyId,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

interface Parsed {
  version: 'v1' | 'v2';
  keyId: string | null;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseSealed(token: string): Parsed {
  const parts = typeof token === 'string' ? token.split('.') : [];
  const malformed = () => new SealedSecretError('malformed', 'encrypted secret is malformed or of an unknown version');
  let fields: string[];
  let keyId: string | null = null;
  if (parts[0] === 'v2' && parts.length === 5 && KEY_ID.test(parts[1]!)) {
    keyId = parts[1]!;
    fields = parts.slice(2);
  } else if (parts[0] === 'v1' && parts.length === 4) {
    fields = parts.slice(1);
  } else {
    throw malformed();
  }
  if (!fields.every((p) => B64URL.test(p))) throw malformed();
  const [iv, tag, ciphertext] = fields.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw malformed();
  return { version: keyId === null ? 'v1' : 'v2', keyId, iv, tag, ciphertext };
}

function open(parsed: Parsed, key: Buffer, aad: string): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * Opens a sealed secret for `context` (the account id). A v2 secret opens only with the key
 * its id names and only for the account it was sealed for; a v1 secret (not bound to any
 * account) with any key of the ring. Throws SealedSecretError saying why not.
 */
export function decryptSecret(token: string, keys: CredentialsKeys, context: string): string {
  checkContext(context);
  const ring = keyringOf(keys);
  const parsed = parseSealed(token);
  if (parsed.version === 'v1') {
    for (const key of [ring.current, ...ring.previous]) {
      const plaintext = open(parsed, key, 'v1');
      if (plaintext !== null) return plaintext;
    }
    throw new SealedSecretError('unknown-key', 'encrypted secret could not be decrypted: wrong key or tampered data');
  }
  const key = [ring.current, ...ring.previous].find((k) => credentialsKeyId(k) === parsed.keyId);
  if (!key) {
    throw new SealedSecretError(
      'unknown-key',
      `sealed with key ${parsed.keyId}, which is neither X_CREDENTIALS_KEY (${credentialsKeyId(ring.current)}) nor X_CREDENTIALS_KEY_PREVIOUS`,
    );
  }
  const plaintext = open(parsed, key, `v2.${parsed.keyId}.${context}`);
  if (plaintext === null)
    throw new SealedSecretError(
      'not-for-this-account',
      'encrypted secret does not open for this account: sealed for another account, or tampered',
    );
  return plaintext;
}

/**
 * Whether a sealed secret is in the current form: v2, under the current key. Anything else
 * (v1, or a previous key) is for `pnpm rotate-credentials` to seal again. Opens nothing.
 */
export function isSealedWithCurrentKey(token: string, keys: CredentialsKeys): boolean {
  const parts = typeof token === 'string' ? token.split('.', 3) : [];
  return parts[0] === 'v2' && parts[1] === credentialsKeyId(keyringOf(keys).current);
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

  get appKey(): string {
    return this.#appKey;
  }
  get appSecret(): string {
    return this.#appSecret;
  }
  get accessToken(): string {
    return this.#accessToken;
  }
  get accessSecret(): string {
    return this.#accessSecret;
  }

  /** A plain object with the secrets, for handing to the client library only. */
  reveal(): XCredentialFields {
    return {
      appKey: this.#appKey,
      appSecret: this.#appSecret,
      accessToken: this.#accessToken,
      accessSecret: this.#accessSecret,
    };
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

/** One account's OAuth 1.0a user tokens (the app's key and secret come from config). */
export interface AccountTokens {
  accessToken: string;
  accessSecret: string;
}

/**
 * The stored form of an account's tokens: one AES-256-GCM secret holding both, sealed with
 * the current key and bound to the account (account) id, so that it opens for that account only.
 */
export function sealAccountTokens(tokens: AccountTokens, keys: CredentialsKeys, accountId: string): string {
  return encryptSecret(
    JSON.stringify({ accessToken: tokens.accessToken, accessSecret: tokens.accessSecret }),
    keys,
    accountId,
  );
}

/** Opens an account's stored tokens; throws SealedSecretError when they are not that account's or no configured key opens them. */
export function openAccountTokens(sealed: string, keys: CredentialsKeys, accountId: string): AccountTokens {
  let value: unknown;
  try {
    value = JSON.parse(decryptSecret(sealed, keys, accountId));
  } catch (error) {
    if (error instanceof SealedSecretError) throw error;
    throw new SealedSecretError('malformed', 'stored account tokens are malformed');
  }
  const v = value as Partial<AccountTokens> | null;
  if (typeof v?.accessToken !== 'string' || typeof v.accessSecret !== 'string')
    throw new SealedSecretError('malformed', 'stored account tokens are malformed');
  return { accessToken: v.accessToken, accessSecret: v.accessSecret };
}
