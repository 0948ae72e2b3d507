// The fan-out dispatcher: composes each account's pending status changes into posts
// and delivers them to X. Any number of dispatchers may run against one database; the
// database's locks and leases decide who does what (see packages/db/src/repositories/fanout.ts).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  completePost,
  completePosts,
  expireHeldReplies,
  FANOUT_CHANNEL,
  pendingAccounts,
  pruneSends,
  recordRecoveredXId,
  type ClaimedPost,
  type Database,
  type DeliveryResult,
} from '@jcp/db';
import { DEFAULT_MENTION_POLICY, type AppBudgetRule, type BudgetRule } from '@jcp/domain';
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
import { claimPosts, composeBatch } from '@jcp/use-cases';
import type { TwitterApi } from 'twitter-api-v2';

export interface DispatcherOptions {
  database: Database;
  logger: Logger;
  /** Names this worker in leases; unique per process. */
  workerId?: string;
  x: { baseUrl?: string | undefined; appKey: string; appSecret: string; timeoutMs: number };
  /** Decrypts the accounts' stored tokens (the current key, and the previous one while rotating). */
  credentialsKey: CredentialsKeys;
  coalesceSeconds: number;
  /** Posts in flight at once (each to a different account). */
  concurrency: number;
  leaseMs: number;
  /** Longest sleep between looks at the database when no NOTIFY arrives. */
  pollMs: number;
  /** A batch never tried is recomposed once this old (default 900 s). */
  recomposeAfterSeconds?: number;
  /** A reply whose question is older than this is not sent (default: the mention policy's, an hour; MENTION_MAX_AGE_SECONDS). */
  replyMaxAgeSeconds?: number;
  userBudget: BudgetRule;
  /** The app's budget, and the share of it replies may use (default half). */
  appBudget: AppBudgetRule;
  random?: () => number;
}

export interface Dispatcher {
  readonly workerId: string;
  start: () => Promise<void>;
  /** Stops claiming, waits for the posts in flight to be recorded, and stops listening. */
  stop: () => Promise<void>;
  /** Look at the database now rather than at the next poll. */
  wake: () => void;
}

const FAILURE_PAUSE_MS = 1_000;

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

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { database, x } = options;
  const db = database.db;
  const log = options.logger.child({ module: 'dispatcher' });
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const inFlight = new Set<Promise<void>>();
  const clients = new Map<string, TwitterApi>();
  /** Each account's latest question to X about its credentials (keyed like clients): when, and the answer. */
  const credentialChecks = new Map<string, { at: number; check: Promise<CredentialsCheck> }>();
  let running = false;
  let loop: Promise<void> | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  // Composing is looked at when something may have made it possible: a commit's NOTIFY,
  // a batch finished, a timer or the poll; not after every single post delivered.
  let composeDue = true;
  let nextComposeAt: Date | null = null;
  let lastCompose = 0;
  let lastPrune = 0;

  /** Runs the loop again now (claims; composing only if due). */
  const nudge = () => {
    woken = true;
    wakeUp?.();
  };
  /** Looks at everything again now: claims and composing. */
  const wake = () => {
    composeDue = true;
    nudge();
  };

  /**
   * What a client (and a question about its credentials) is kept under: the account and its
   * stored credentials. The account too: the same ciphertext on another account must be
   * opened (and refused) for that account, never served from this one's client.
   */
  const clientKey = (post: ClaimedPost) => `${post.clusterId}\u0000${post.credentials ?? ''}`;

  function clientFor(post: ClaimedPost): TwitterApi {
    if (!post.credentials) throw new Error('account has no credentials');
    const cacheKey = clientKey(post);
    let client = clients.get(cacheKey);
    if (!client) {
      const tokens = openAccountTokens(post.credentials, options.credentialsKey, post.clusterId);
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
    let client: TwitterApi;
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
    client: TwitterApi,
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

  async function deliver(post: ClaimedPost, claimedAt: number): Promise<void> {
    // However late the answer, it is recorded: completePost accepts it only from the lease
    // holder, so a post another worker has taken over in the meantime is left to it. The
    // attempt's X requests end well before the lease does (each also by X_REQUEST_TIMEOUT_MS).
    const result = await withXDeadline(claimedAt + attemptDeadlineMs(options.leaseMs), () => attempt(post, claimedAt));
    const { recorded, batchDone } = await record(post, result);
    // The account's next changes may be composed now that its batch is done.
    if (batchDone) composeDue = true;
    const fields = { post: post.id, account: post.handle, attempt: post.attempts };
    if (!recorded) log.warn(fields, 'lease lost before the outcome was recorded; the post is another worker’s now');
    else if (result.kind === 'delivered')
      log.debug({ ...fields, xPostId: result.xPostId, outcome: result.outcome }, 'post delivered');
    else if (result.kind === 'retry')
      log.warn({ ...fields, reason: result.reason, notBefore: result.notBefore }, 'post will be retried');
    else if (result.kind === 'credentials-rejected')
      log.error({ ...fields, reason: result.reason }, 'X rejected the account’s credentials: account paused');
    else log.error({ ...fields, reason: result.reason }, 'post failed permanently');
  }

  // Outcomes that finish while one is being recorded are recorded together, in one
  // transaction (group commit): the database's round trips per post, not the posts, set the pace.
  const outcomes: {
    post: ClaimedPost;
    result: DeliveryResult;
    resolve: (r: { recorded: boolean; batchDone: boolean }) => void;
    reject: (error: unknown) => void;
  }[] = [];
  let recording: Promise<void> | null = null;
  function record(post: ClaimedPost, result: DeliveryResult): Promise<{ recorded: boolean; batchDone: boolean }> {
    const done = new Promise<{ recorded: boolean; batchDone: boolean }>((resolve, reject) =>
      outcomes.push({ post, result, resolve, reject }),
    );
    flush();
    return done;
  }
  function flush(): void {
    recording ??= (async () => {
      while (outcomes.length > 0) {
        const items = outcomes.splice(0, 64);
        try {
          const recorded = await completePosts(
            db,
            items.map((i) => ({ post: i.post, result: i.result })),
            workerId,
          );
          items.forEach((item, k) => item.resolve(recorded[k]!));
        } catch (error) {
          // One outcome's failure (a deadlock with another worker, a conflict) must not lose
          // the others: each is recorded on its own, and only its own failure is reported.
          log.warn(
            { err: error, outcomes: items.length },
            'recording outcomes together failed; recording them one by one',
          );
          await Promise.all(
            items.map((item) => completePost(db, item.post, workerId, item.result).then(item.resolve, item.reject)),
          );
        }
      }
    })().finally(() => {
      recording = null;
      // One may have come after the loop's last look and before this.
      if (outcomes.length > 0) flush();
    });
  }

  async function compose(): Promise<Date | null> {
    const defaults = {
      coalesceSeconds: options.coalesceSeconds,
      ...(options.recomposeAfterSeconds === undefined ? {} : { recomposeAfterSeconds: options.recomposeAfterSeconds }),
    };
    // Replies held back past their questions' age go to a person (looked at with composing: every poll).
    const expired = await expireHeldReplies(db, options.replyMaxAgeSeconds ?? DEFAULT_MENTION_POLICY.maxAgeSeconds);
    if (expired > 0)
      log.info({ expired }, 'replies held back too long were not sent; their questions are in the inbox');
    const { now, accounts } = await pendingAccounts(db, defaults);
    const ready = accounts.filter((a) => a.waiting === null);
    log.trace({ accounts }, 'pending accounts');
    // A few at a time: each is a short transaction on its own account.
    for (let i = 0; i < ready.length; i += 4) {
      // One account's failure must not hold back the others.
      const batches = await Promise.allSettled(
        ready.slice(i, i + 4).map((a) => composeBatch(db, a.clusterId, defaults)),
      );
      for (const [j, b] of batches.entries()) {
        if (b.status === 'rejected')
          log.error(
            { err: b.reason as unknown, account: ready[i + j]?.clusterId },
            'composing failed; tried again at the next look',
          );
        else if (b.value)
          log.debug(
            {
              account: b.value.clusterId,
              offices: b.value.offices.length,
              posts: b.value.posts,
              superseded: b.value.superseded,
            },
            'changes composed',
          );
      }
    }
    const next = accounts
      .filter((a) => a.waiting === 'coalescing' || a.waiting === 'posting-window')
      .map((a) => a.readyAt?.getTime() ?? Infinity);
    const soonest = Math.min(...next);
    // The database's clock decided readiness; turn it into a delay on ours.
    return Number.isFinite(soonest) ? new Date(Date.now() + Math.max(0, soonest - now.getTime())) : null;
  }

  /** Claims and starts sending what it can; returns how many, and when a budget will next have room. */
  async function claim(): Promise<{ claimed: number; budgetRoomAt: Date | null }> {
    const room = options.concurrency - inFlight.size;
    // A claim costs about the same whatever it takes: while many posts are in flight, wait
    // until a quarter of the places are free (each post that finishes looks again), so that
    // a burst is claimed in a few large claims rather than many of one or two.
    const least = inFlight.size === 0 ? 1 : Math.max(1, Math.floor(options.concurrency / 4));
    if (room < least) return { claimed: 0, budgetRoomAt: null };
    // The lease runs from the claim's transaction: timed from before it, to be on the safe side.
    const leaseStart = Date.now();
    const { posts, budgetRoomAt, now } = await claimPosts(
      { db },
      {
        workerId,
        leaseMs: options.leaseMs,
        limit: room,
        userBudget: options.userBudget,
        appBudget: options.appBudget,
        ...(options.recomposeAfterSeconds === undefined
          ? {}
          : { recomposeAfterSeconds: options.recomposeAfterSeconds }),
      },
    );
    const claimedAt = Date.now();
    for (const post of posts) {
      const task = deliver(post, leaseStart)
        .catch((error: unknown) =>
          log.error(
            { err: error, post: post.id },
            'recording a delivery failed; the lease will expire and the post be retried',
          ),
        )
        .finally(() => {
          inFlight.delete(task);
          nudge();
        });
      inFlight.add(task);
    }
    // budgetRoomAt is on the database's clock: as a delay on ours.
    return {
      claimed: posts.length,
      budgetRoomAt:
        budgetRoomAt && now ? new Date(claimedAt + Math.max(0, budgetRoomAt.getTime() - now.getTime())) : null,
    };
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      let sleepUntil = Date.now() + options.pollMs;
      // However busy delivering keeps the loop, composing is looked at every poll interval
      // (a batch going stale, a setting changed) and when a timer falls due.
      if (Date.now() - lastCompose >= options.pollMs || (nextComposeAt && nextComposeAt.getTime() <= Date.now()))
        composeDue = true;
      try {
        if (composeDue) {
          composeDue = false;
          lastCompose = Date.now();
          try {
            nextComposeAt = await compose();
          } catch (error) {
            composeDue = true;
            throw error;
          }
        }
        if (nextComposeAt) sleepUntil = Math.min(sleepUntil, nextComposeAt.getTime());
        const { claimed, budgetRoomAt } = await claim();
        if (claimed > 0) woken = true; // more may be ready behind them
        if (budgetRoomAt) sleepUntil = Math.min(sleepUntil, budgetRoomAt.getTime() + 1);
        if (Date.now() - lastPrune > 60_000) {
          lastPrune = Date.now();
          await pruneSends(db, Math.max(options.userBudget.windowMs, options.appBudget.windowMs) + 60_000);
        }
      } catch (error) {
        log.error({ err: error }, 'dispatcher cycle failed');
        sleepUntil = Date.now() + FAILURE_PAUSE_MS;
      }
      if (!running || woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            // Slept until a timer or the poll: time may have made accounts ready.
            composeDue = true;
            resolve();
          },
          Math.max(0, sleepUntil - Date.now()),
        );
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        if (woken) wakeUp();
      });
      wakeUp = null;
    }
  }

  return {
    workerId,
    wake,
    start: async () => {
      if (running) return;
      running = true;
      unlisten = await database.listen(FANOUT_CHANNEL, wake, (listening) => {
        if (listening) wake();
      });
      log.info({ workerId }, 'dispatcher started');
      loop = run();
    },
    stop: async () => {
      if (!running) return;
      running = false;
      wake();
      await loop;
      await Promise.allSettled([...inFlight]);
      await unlisten?.();
      log.info({ workerId }, 'dispatcher stopped');
    },
  };
}
