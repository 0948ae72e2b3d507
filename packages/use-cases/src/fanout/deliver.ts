// Delivering one claimed post: sending it to X within the lease, understanding X's answer
// (delivered, already posted, retry with backoff, credentials rejected, refused, failed), and
// recording the outcome. The dispatcher (services/worker) runs the loop around it.
import { recordRecoveredXId, type ClaimedPost, type DB, type DeliveryResult } from '@jcp/db';
import type { Logger } from '@jcp/log';
import {
  backoffDelay,
  checkCredentials,
  classifyXError,
  createXClient,
  findRecentPost,
  openAccountTokens,
  postTweet,
  SealedSecretError,
  withXDeadline,
  type CredentialsCheck,
  type CredentialsKeys,
} from '@jcp/x-client';
import type { Kysely } from 'kysely';
import { createOutcomeRecorder } from './record.js';

type XClient = ReturnType<typeof createXClient>;

export interface DeliveryOptions {
  /** Names this worker in leases. */
  workerId: string;
  x: { baseUrl?: string | undefined; appKey: string; appSecret: string; timeoutMs: number };
  /** Decrypts the accounts' stored tokens (the current key, and the previous one while rotating). */
  credentialsKey: CredentialsKeys;
  leaseMs: number;
  random?: () => number;
}

/** Delivers one claimed post, its lease timed from `claimedAt`; says whether its batch is done. */
export type Deliver = (post: ClaimedPost, claimedAt: number) => Promise<{ batchDone: boolean }>;

/**
 * After X accepted an account's credentials (GET /2/users/me), a 403 on a reply within this long
 * is taken as about the reply without asking again: a burst of refused replies (questions
 * deleted on purpose) costs one users/me a minute, not one each (X allows 75 per 15 minutes).
 * A status post always asks. X answers a revoked token with 401, which pauses the account
 * whatever this says.
 */
const CREDENTIALS_TRUSTED_MS = 60_000;

/**
 * How long after its claim began one attempt at a post may talk to X: every request it makes
 * (finding the thread's previous part, the post, finding the post after a duplicate) is
 * abandoned by then, leaving the last quarter of the lease (at least a second) to record the
 * outcome, so that no other dispatcher takes the post over while this one may still be sending it.
 */
export function attemptDeadlineMs(leaseMs: number): number {
  return leaseMs - Math.max(1_000, Math.floor(leaseMs / 4));
}

/**
 * A deliverer for one worker: it keeps each account's X client, and X's latest answer about
 * its credentials, from one post to the next, and records outcomes together (record.ts).
 */
export function createDelivery(deps: { db: Kysely<DB>; log: Logger }, options: DeliveryOptions): Deliver {
  const { db, log } = deps;
  const { x, workerId } = options;
  const clients = new Map<string, XClient>();
  /** Each account's latest question to X about its credentials (keyed like clients): when, and the answer. */
  const credentialChecks = new Map<string, { at: number; check: Promise<CredentialsCheck> }>();
  const record = createOutcomeRecorder(deps, workerId);

  /**
   * What a client (and a question about its credentials) is kept under: the account and its
   * stored credentials. The account too: the same ciphertext on another account must be
   * opened (and refused) for that account, never served from this one's client.
   */
  const clientKey = (post: ClaimedPost) => `${post.accountId}\u0000${post.credentials ?? ''}`;

  function clientFor(post: ClaimedPost): XClient {
    if (!post.credentials) throw new Error('account has no credentials');
    const cacheKey = clientKey(post);
    let client = clients.get(cacheKey);
    if (!client) {
      const tokens = openAccountTokens(post.credentials, options.credentialsKey, post.accountId);
      client = createXClient({
        baseUrl: x.baseUrl,
        timeoutMs: x.timeoutMs,
        appKey: x.appKey,
        appSecret: x.appSecret,
        ...tokens,
      });
      clients.set(cacheKey, client);
    }
    return client;
  }

  async function attempt(post: ClaimedPost, claimedAt: number): Promise<DeliveryResult> {
    let client: XClient;
    try {
      client = clientFor(post);
    } catch (error) {
      // The message says why (another account's, an unknown key id) and holds no secret.
      const why = error instanceof SealedSecretError ? error.message : 'they could not be decrypted';
      return {
        kind: 'credentials-rejected',
        reason: `the stored credentials cannot be used: ${why}; store the account's credentials again`,
      };
    }
    let replyTo = post.replyToXId ?? undefined;
    if (!replyTo && post.replyTo && post.xUserId) {
      // The previous part went out but its answer was lost: find it, so that this part
      // continues the thread rather than standing alone.
      const since = new Date(post.replyTo.firstAttemptAt.getTime() - 60_000);
      const found = await findRecentPost(client, post.xUserId, post.replyTo.text, { since }).catch(() => null);
      if (found) {
        replyTo = found.id;
        await recordRecoveredXId(db, post.replyTo.postId, found.id);
      }
    }
    try {
      const { id } = await postTweet(client, post.text, replyTo);
      return { kind: 'delivered', outcome: 'posted', xPostId: id };
    } catch (error) {
      const verdict = classifyXError(error, Date.now(), {
        attempt: post.attempts - 1,
        text: post.text,
        ...(options.random ? { random: options.random } : {}),
      });
      if (verdict.kind === 'already-posted') {
        // An earlier attempt got through but its answer was lost: find the post it made,
        // so that the thread's next part can reply to it.
        // Only a post made since this one was first tried can be it (a minute's grace for clocks).
        const since = new Date(post.firstAttemptAt.getTime() - 60_000);
        // Only while most of the lease is left: the outcome must be recorded before it ends.
        const timeLeft = Date.now() - claimedAt < options.leaseMs / 2;
        const found =
          post.xUserId && timeLeft
            ? await findRecentPost(client, post.xUserId, post.text, { since }).catch(() => null)
            : null;
        return { kind: 'delivered', outcome: 'already-posted', xPostId: found?.id ?? null };
      }
      if (verdict.kind === 'retry') {
        return {
          kind: 'retry',
          notBefore: verdict.notBefore,
          reason: verdict.reason,
          rateLimited: verdict.rateLimit !== undefined,
          appLimited: verdict.rateLimit === 'app',
        };
      }
      if (verdict.credentials) return { kind: 'credentials-rejected', reason: verdict.reason };
      if (verdict.forbidden) return forbidden(client, post, verdict.reason, claimedAt);
      return { kind: 'failed', reason: verdict.reason };
    }
  }

  /**
   * A 403 other than a duplicate: about this post (a reply to a post deleted or not visible, or
   * in a conversation whose author restricted replies; a thread's next part after its previous
   * part was deleted) or about the account. X is asked whether it still accepts the account's
   * credentials (GET /2/users/me): only if it refuses them is the account paused; if it accepts
   * them the post alone fails, with X's reason, and the queue moves on. If X cannot say, or the
   * lease is too far gone to ask, the post is tried again later (X posted nothing).
   */
  async function forbidden(
    client: XClient,
    post: ClaimedPost,
    reason: string,
    claimedAt: number,
  ): Promise<DeliveryResult> {
    const key = clientKey(post);
    const later = (why: string): DeliveryResult => ({
      kind: 'retry',
      notBefore: new Date(Date.now() + backoffDelay(post.attempts - 1, options.random)),
      reason: `${reason}; ${why}`,
      rateLimited: false,
      refused: true,
    });
    let asked = credentialChecks.get(key);
    // Replies refused together share one question (asked, or being asked, within the minute).
    if (post.kind === 'status' || !asked || Date.now() - asked.at > CREDENTIALS_TRUSTED_MS) {
      // Only while most of the lease is left: the outcome must be recorded before it ends.
      if (Date.now() - claimedAt >= options.leaseMs / 2)
        return later('no time left to ask X whether the credentials are still good');
      const entry = { at: Date.now(), check: checkCredentials(client) };
      asked = entry;
      credentialChecks.set(key, entry);
      // Only an acceptance is worth remembering.
      void entry.check.then((c) => {
        if (c.kind !== 'accepted' && credentialChecks.get(key) === entry) credentialChecks.delete(key);
      });
    }
    const check = await asked.check;
    if (check.kind === 'rejected') return { kind: 'credentials-rejected', reason: `${reason}; ${check.reason}` };
    if (check.kind === 'unknown') return later(check.reason);
    return { kind: 'failed', reason: `X refused this post: ${reason}` };
  }

  return async function deliver(post: ClaimedPost, claimedAt: number): Promise<{ batchDone: boolean }> {
    // However late the answer, it is recorded: completePosts accepts it only from the lease
    // holder, so a post another worker has taken over in the meantime is left to it. The
    // attempt's X requests end well before the lease does (each also by X_REQUEST_TIMEOUT_MS).
    const result = await withXDeadline(claimedAt + attemptDeadlineMs(options.leaseMs), () => attempt(post, claimedAt));
    const { recorded, batchDone } = await record(post, result);
    const fields = { post: post.id, account: post.handle, attempt: post.attempts };
    if (!recorded) log.warn(fields, 'lease lost before the outcome was recorded; the post is another worker’s now');
    else if (result.kind === 'delivered')
      log.debug({ ...fields, xPostId: result.xPostId, outcome: result.outcome }, 'post delivered');
    else if (result.kind === 'retry')
      log.warn({ ...fields, reason: result.reason, notBefore: result.notBefore }, 'post will be retried');
    else if (result.kind === 'credentials-rejected')
      log.error({ ...fields, reason: result.reason }, 'X rejected the account’s credentials: account paused');
    else log.error({ ...fields, reason: result.reason }, 'post failed permanently');
    return { batchDone };
  };
}
