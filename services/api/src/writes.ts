import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  fail,
  runWrite,
  type WriteAnswer,
  type WriteContext as UseCaseWriteContext,
  type Idempotency,
} from '@jcp/use-cases';
import { caller, type Principal } from './plugins/auth.js';

// The HTTP side of a write: the Idempotency-Key header, the request's fingerprint, and the
// answer (first or replayed). The transaction, the key's claim and the status-write lock
// are the use-case layer's runWrite.

export type { WriteAnswer };

export interface WriteContext extends UseCaseWriteContext {
  /** The caller (the same as `caller`), by the name the API used before the use-case layer. */
  principal: Principal;
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
 * Runs a write (see runWrite: one transaction, the status-write lock, the Idempotency-Key
 * claimed in it) and sends its answer. After commit, every caching instance has applied
 * the change before the client hears of it.
 */
export async function performWrite(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  run: (ctx: WriteContext) => Promise<WriteAnswer>,
): Promise<FastifyReply> {
  const principal = caller(request);
  const key = idempotencyKey(request);
  const idempotency: Idempotency | null = key ? { key, fingerprint: fingerprint(request) } : null;
  const { answer, replayed, touched, lastChangeSeq } = await runWrite({ db: app.db }, principal, idempotency, (ctx) =>
    run({ ...ctx, principal: ctx.caller }),
  );
  if (touched.length > 0) {
    app.representations.invalidate(touched);
    if (lastChangeSeq !== null) await app.awaitPropagation(lastChangeSeq);
  }
  if (replayed) reply.header('idempotent-replayed', 'true');
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  return reply.code(answer.statusCode).send(answer.body);
}
