import { createHmac } from 'node:crypto';

/** OPT_OUT_HASH_KEY's length: 32 random bytes. */
export const OPT_OUT_KEY_BYTES = 32;

/**
 * How an opt-out remembers its author: HMAC-SHA256 of the X user id under a secret key,
 * hex. X user ids are few enough to hash every one of them, so a plain hash would be the
 * id; without the key, the hash leads nowhere. The same key must be used by every
 * process that reads mentions (the API's webhook, the workers), and kept: under another
 * key, nobody has opted out.
 */
export function optOutHash(key: Buffer, authorId: string): string {
  if (key.length < OPT_OUT_KEY_BYTES) throw new Error(`the opt-out key must be at least ${OPT_OUT_KEY_BYTES} bytes`);
  return createHmac('sha256', key).update(`x-user-id:${authorId}`).digest('hex');
}
