// Whether X still accepts an account's credentials, asked after a 403 that may be about the
// post or about the account.
import { ApiResponseError, type TwitterApi } from 'twitter-api-v2';
import { classifyXError } from './errors.js';

export type CredentialsCheck =
  /** X answered GET /2/users/me: it knows the account and accepts its tokens. */
  | { kind: 'accepted' }
  /** X refused GET /2/users/me itself (401 or 403): the credentials are what X rejects. */
  | { kind: 'rejected'; reason: string }
  /** X could not say (network, timeout, 5xx, 429, anything else). */
  | { kind: 'unknown'; reason: string };

/**
 * Asks X who the client's tokens belong to (GET /2/users/me). Only X refusing that call (401 or
 * 403) says the credentials are rejected; any answer says they are accepted; anything else says
 * nothing. Never throws. The reason names the status, never X's words or the request.
 */
export async function checkCredentials(client: TwitterApi): Promise<CredentialsCheck> {
  try {
    await client.v2.me();
    return { kind: 'accepted' };
  } catch (error) {
    if (error instanceof ApiResponseError && (error.code === 401 || error.code === 403)) {
      return {
        kind: 'rejected',
        reason: `GET /2/users/me refused too (HTTP ${error.code}): credentials rejected or revoked`,
      };
    }
    const verdict = classifyXError(error);
    return {
      kind: 'unknown',
      reason: `GET /2/users/me did not say: ${'reason' in verdict ? verdict.reason : 'unexpected answer'}`,
    };
  }
}
