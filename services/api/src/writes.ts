import { createHash } from 'node:crypto';
import {
  lockStatusWrites,
  settleStatuses,
  statusClock,
  type DB,
  type SettleOptions,
  type SettleResult,
  type StatusChange,
} from '@jcp/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import type { Principal } from './plugins/auth.js';

/** What a write answers; stored whole under its Idempotency-Key and replayed to a retry. */
export interface WriteAnswer {
  statusCode: number;
  body: unknown;
  headers?: Record<string, string>;
  /** What a replay gets instead of `body`, when the body holds a secret that must not be stored. */
  replayBody?: unknown;
}

export interface WriteContext {
  trx: Transaction<DB>;
  principal: Principal;
  now: Date;
  /** Settles these offices (see settleStatuses) and keeps the changes for the caches. */
  settle: (officeIds: readonly string[], write: NonNullable<SettleOptions['write']>) => Promise<SettleResult>;
}

export const writeHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(257)
    .optional()
    .describe(
      'Any unique string (a UUID is best). A retry with the same key and body gets the first answer back and writes nothing new; the same key with another body is refused (422). Kept for 24 hours.',
    ),
});

export const singleOfficeWriteHeaders = writeHeaders.extend({
  'if-match': z
    .string()
    .max(1000)
    .optional()
    .describe('The ETag of GET /offices/{officeId}: the write is refused with 412 if the office changed since'),
});

function idempotencyKey(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  const value = (Array.isArray(raw) ? raw.join(',') : raw).trim().replace(/^"(.*)"$/, '$1');
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw fail('BAD_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is best)');
  }
  return value;
}

function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.url, request.body ?? null]))
    .digest('hex');
}

/**
 * Runs a write in one transaction under the status-write lock, with its Idempotency-Key
 * claimed in that same transaction: a concurrent retry waits for the first attempt and
 * then replays its answer; a failed attempt leaves no key behind, so its retry runs
 * afresh. After commit, every caching instance has applied the change before the client hears of it.
 */
export async function performWrite(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  run: (ctx: WriteContext) => Promise<WriteAnswer>,
): Promise<FastifyReply> {
  const principal = request.principal;
  if (!principal) throw fail('AUTHENTICATION_REQUIRED', 'A bearer token is required');
  const key = idempotencyKey(request);
  const hash = key ? fingerprint(request) : '';
  const changes: StatusChange[] = [];
  const touched = new Set<string>();
  const outcome = await app.db.transaction().execute(async (trx) => {
    if (key) {
      const claimed = await trx
        .insertInto('idempotency_keys')
        .values({ token_id: principal.tokenId, key, request_hash: hash })
        .onConflict((oc) => oc.columns(['token_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (!claimed) {
        const prior = await trx
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('token_id', '=', principal.tokenId)
          .where('key', '=', key)
          .executeTakeFirstOrThrow();
        if (prior.request_hash !== hash) {
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
    const answer = await run({
      trx,
      principal,
      now,
      settle: async (officeIds, write) => {
        const result = await settleStatuses(trx, officeIds, { now, write });
        changes.push(...result.changes);
        for (const id of officeIds) touched.add(id);
        return result;
      },
    });
    if (key) {
      await trx
        .updateTable('idempotency_keys')
        .set({
          status_code: answer.statusCode,
          response_body: JSON.stringify((answer.replayBody === undefined ? answer.body : answer.replayBody) ?? null),
          headers: JSON.stringify(answer.headers ?? {}),
        })
        .where('token_id', '=', principal.tokenId)
        .where('key', '=', key)
        .execute();
    }
    return { answer, replayed: false };
  });
  if (touched.size > 0) {
    app.representations.invalidate([...touched]);
    const last = changes.at(-1);
    if (last) await app.awaitPropagation(last.seq);
  }
  const { answer, replayed } = outcome;
  if (replayed) reply.header('idempotent-replayed', 'true');
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  return reply.code(answer.statusCode).send(answer.body);
}
