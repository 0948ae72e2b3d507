import {
  claimIdempotencyKey,
  findIdempotencyKey,
  lockStatusWrites,
  settleStatuses,
  statusClock,
  storeIdempotentAnswer,
  type DB,
  type SettleOptions,
  type SettleResult,
  type StatusChange,
} from '@jcp/db';
import type { Kysely, Transaction } from 'kysely';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';

/** What a write answers; stored whole under its Idempotency-Key and replayed to a retry. */
export interface WriteAnswer {
  statusCode: number;
  body: unknown;
  headers?: Record<string, string>;
  /** What a replay gets instead of `body`, when the body holds a secret that must not be stored. */
  replayBody?: unknown;
}

/** What a write use case runs with: the transaction, the caller, the one clock, and settling. */
export interface WriteContext {
  trx: Transaction<DB>;
  caller: Caller;
  now: Date;
  /** Settles these offices (see settleStatuses) and keeps the changes for the caches. */
  settle: (officeIds: readonly string[], write: NonNullable<SettleOptions['write']>) => Promise<SettleResult>;
}

/** A write's Idempotency-Key and the fingerprint of its request (same key, other fingerprint: refused). */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

export interface WriteOutcome {
  answer: WriteAnswer;
  /** The answer is the first attempt's, replayed: nothing was written. */
  replayed: boolean;
  /** The offices settled (their cached reads are out of date). */
  touched: string[];
  /** The last change recorded (null: none), which caching instances must apply before the client hears. */
  lastChangeSeq: string | null;
}

/**
 * Runs a write in one transaction under the status-write lock, with its Idempotency-Key
 * claimed in that same transaction: a concurrent retry waits for the first attempt and
 * then replays its answer; a failed attempt leaves no key behind, so its retry runs
 * afresh. The caller (the API) makes every caching instance apply the change after commit.
 */
export async function runWrite(
  deps: { db: Kysely<DB> },
  caller: Caller,
  idempotency: Idempotency | null,
  write: (ctx: WriteContext) => Promise<WriteAnswer>,
): Promise<WriteOutcome> {
  const changes: StatusChange[] = [];
  const touched = new Set<string>();
  const outcome = await deps.db.transaction().execute(async (trx) => {
    if (idempotency) {
      const { key, fingerprint } = idempotency;
      if (!(await claimIdempotencyKey(trx, caller.tokenId, key, fingerprint))) {
        const prior = await findIdempotencyKey(trx, caller.tokenId, key);
        if (prior.request_hash !== fingerprint) {
          throw fail(
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used for a different request; use a new key for a new request',
          );
        }
        if (prior.status_code === null)
          throw fail('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed');
        return {
          answer: { statusCode: prior.status_code, body: prior.response_body, headers: prior.headers },
          replayed: true,
        };
      }
    }
    await lockStatusWrites(trx);
    const now = await statusClock(trx);
    const answer = await write({
      trx,
      caller,
      now,
      settle: async (officeIds, reason) => {
        const result = await settleStatuses(trx, officeIds, { now, write: reason });
        changes.push(...result.changes);
        for (const id of officeIds) touched.add(id);
        return result;
      },
    });
    if (idempotency) {
      await storeIdempotentAnswer(trx, caller.tokenId, idempotency.key, {
        statusCode: answer.statusCode,
        body: answer.replayBody === undefined ? answer.body : answer.replayBody,
        headers: answer.headers ?? {},
      });
    }
    return { answer, replayed: false };
  });
  return { ...outcome, touched: [...touched], lastChangeSeq: changes.at(-1)?.seq ?? null };
}
