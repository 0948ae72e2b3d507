// Polling X for mentions: one cycle reads every account's new mentions with OR-ed recent
// searches and hands them to receiveMentions, which stores, classifies and answers each one
// once; then the cycle's outcome and the next poll's time are recorded. The schedule, the
// cursors and the health live in the database, so whoever takes over resumes where the last
// one stopped. The mention ingester (services/worker) runs the loop and holds the lock.
import {
  advanceMentionCursors,
  ingestState,
  mentionAccounts,
  mentionActivity,
  mentionCursors,
  officeIndexCache,
  recordIngestCycle,
  recordIngestHolder,
  type DB,
  type IncomingMention,
} from '@jcp/db';
import {
  DEFAULT_MENTION_POLICY,
  DEFAULT_POLL_INTERVALS,
  planSearchQueries,
  pollInterval,
  SEARCH_BUDGET,
  sinceIdFor,
  type MentionPolicy,
  type PollIntervals,
} from '@jcp/domain';
import type { Logger } from '@jcp/log';
import {
  backoffDelay,
  classifyXError,
  createXClient,
  openAccountTokens,
  searchRecent,
  toIncoming,
  type AccountTokens,
  type CredentialsKeys,
} from '@jcp/x-client';
import type { Kysely } from 'kysely';
import { receiveMentions } from './receive.js';
import { routingOf } from './routing.js';

export interface MentionPollOptions {
  x: { baseUrl?: string | undefined; appKey: string; appSecret: string; timeoutMs: number };
  credentialsKey: CredentialsKeys;
  /** OPT_OUT_HASH_KEY: the same as the API's, or opt-outs told to one are unknown to the other. */
  optOutKey: Buffer;
  intervals?: PollIntervals;
  /** Re-read this much before each account's newest mention (default 15 s). */
  overlapMs?: number;
  policy?: MentionPolicy;
  throttleWindowMs?: number;
  /** The app's search budget (default X's: 450 per 15 minutes). */
  searchBudget?: { limit: number; windowMs: number };
  /** Called after replies were queued (to wake a dispatcher in this process). */
  onQueued?: () => void;
}

export interface CycleResult {
  queries: number;
  requests: number;
  read: number;
  stored: number;
  replies: number;
  duplicates: number;
  /** Set when the cycle stopped on an error (the unread mentions are read next time). */
  error?: string;
  intervalMs: number;
}

const FIRST_READ_MS = 15 * 60_000;

/**
 * A poller: one call is one cycle (read, store, record the outcome and the next poll's
 * time). It keeps the register's office index between cycles.
 */
export function createMentionPoller(
  deps: { db: Kysely<DB>; log: Logger },
  options: MentionPollOptions,
): () => Promise<CycleResult> {
  const { db, log } = deps;
  const { x } = options;
  const intervals = options.intervals ?? DEFAULT_POLL_INTERVALS;
  const overlapMs = options.overlapMs ?? 15_000;
  const policy = options.policy ?? DEFAULT_MENTION_POLICY;
  const budget = options.searchBudget ?? SEARCH_BUDGET;
  const officeIndex = officeIndexCache(db);

  async function cycle(): Promise<CycleResult> {
    const accounts = await mentionAccounts(db);
    // Every account with an X identity is read (as the webhook routes); any account's tokens can sign a search.
    const { readable, byHandle } = routingOf(accounts);
    const signer = signingTokens(accounts);
    const queries = planSearchQueries(readable.map((a) => a.handle));
    const result: CycleResult = {
      queries: queries.length,
      requests: 0,
      read: 0,
      stored: 0,
      replies: 0,
      duplicates: 0,
      intervalMs: 0,
    };
    const activity = await mentionActivity(db, 10 * 60_000);
    result.intervalMs = pollInterval(
      queries.length,
      activity.disrupted > 0 || activity.recentMentions > 0,
      intervals,
      budget,
    );
    if (!signer || queries.length === 0) {
      await recordIngestCycle(db, {
        ok: true,
        nextPollAt: new Date(Date.now() + result.intervalMs),
        intervalSeconds: Math.round(result.intervalMs / 1000),
      });
      return result;
    }
    const client = createXClient({
      baseUrl: x.baseUrl,
      timeoutMs: x.timeoutMs,
      appKey: x.appKey,
      appSecret: x.appSecret,
      ...signer,
    });
    const cursors = await mentionCursors(db);
    const index = await officeIndex();
    const now = new Date();
    // The queries are read side by side (each its pages in order): the same requests, sooner.
    const failures = await Promise.all(
      queries.map(async (q) => {
        const accountIds = q.handles.map((h) => byHandle.get(h.toLowerCase())!);
        // The query reads from its furthest-behind account.
        const since = accountIds
          .map((id) => sinceIdFor(cursors.get(id) ?? null, now, { overlapMs, firstReadMs: FIRST_READ_MS }))
          .reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
        try {
          const { newestId, pages, complete } = await searchRecent(
            client,
            q.query,
            since,
            async (posts) => {
              result.read += posts.length;
              const incoming = posts
                .map((p) => toIncoming(p, byHandle))
                .filter((m): m is IncomingMention => m !== null);
              const { stored, duplicates } = await receiveMentions({ db }, incoming, {
                source: 'poll',
                offices: index,
                policy,
                optOutKey: options.optOutKey,
                ...(options.throttleWindowMs ? { throttleWindowMs: options.throttleWindowMs } : {}),
              });
              result.stored += stored.length;
              result.duplicates += duplicates;
              const replies = stored.filter((s) => s.replyPostId !== null).length;
              result.replies += replies;
              if (replies > 0) options.onQueued?.();
              for (const s of stored)
                log.debug({ mention: s.id, decision: s.decision, reason: s.reason }, 'mention ingested');
            },
            {
              onRejected: ({ id, reason }) =>
                log.warn({ post: id, reason }, 'a post read from X is malformed; left out'),
            },
          );
          result.requests += pages;
          // Only a query read to the end moves its accounts on: a cut-short read is read again.
          if (complete && newestId) await advanceMentionCursors(db, accountIds, newestId);
          return null;
        } catch (error) {
          result.requests += 1;
          return { error, handles: q.handles.length };
        }
      }),
    );
    const failed = failures.find((f) => f !== null);
    if (failed) {
      const verdict = classifyXError(failed.error, Date.now(), { attempt: 0 });
      const reason = verdict.kind === 'retry' || verdict.kind === 'permanent' ? verdict.reason : 'unexpected answer';
      result.error = reason;
      const state = await ingestState(db);
      const rateLimited = verdict.kind === 'retry' && verdict.rateLimit !== undefined;
      const nextPollAt = rateLimited
        ? verdict.notBefore
        : new Date(Date.now() + Math.max(result.intervalMs, backoffDelay(state.consecutiveFailures + 1)));
      await recordIngestCycle(db, {
        ok: false,
        nextPollAt,
        error: reason,
        ...(rateLimited ? { blockedUntil: verdict.notBefore } : {}),
      });
      log.warn(
        { handles: failed.handles, reason, nextPollAt },
        'reading mentions failed; nothing is lost: the same mentions are read again next time',
      );
      return result;
    }
    await recordIngestCycle(db, {
      ok: true,
      nextPollAt: new Date(Date.now() + result.intervalMs),
      intervalSeconds: Math.round(result.intervalMs / 1000),
    });
    if (result.stored > 0)
      log.info(
        { stored: result.stored, replies: result.replies, duplicates: result.duplicates, requests: result.requests },
        'mentions read',
      );
    return result;
  }

  /**
   * The tokens of the first account that is not paused and whose stored credentials open for
   * it (those that do not, copied from another account or sealed with an unknown key, are
   * the dispatcher's to report, by pausing the account with the reason).
   */
  function signingTokens(accounts: Awaited<ReturnType<typeof mentionAccounts>>): AccountTokens | null {
    for (const account of accounts) {
      if (account.credentials === null || account.paused) continue;
      try {
        return openAccountTokens(account.credentials, options.credentialsKey, account.accountId);
      } catch {
        log.warn(
          { account: account.handle },
          'stored credentials do not open for this account; searching with another',
        );
      }
    }
    return null;
  }

  return cycle;
}

/** How long until the next poll is due, on the database's clock (0 or less: due now). */
export async function msUntilMentionPoll(deps: { db: Kysely<DB> }): Promise<number> {
  const state = await ingestState(deps.db);
  return state.nextPollAt ? state.nextPollAt.getTime() - state.now.getTime() : 0;
}

/** Records that this worker now reads mentions (it holds the ingest lock): whoever asks sees the takeover. */
export async function recordMentionReader(deps: { db: Kysely<DB> }, workerId: string): Promise<void> {
  await recordIngestHolder(deps.db, workerId);
}
