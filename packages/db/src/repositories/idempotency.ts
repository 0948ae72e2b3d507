import type { Kysely } from 'kysely';
import type { DB } from '../types.js';

/** A write's answer as stored under its Idempotency-Key (status null: the first attempt is still running). */
export interface StoredIdempotentAnswer {
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
  headers: Record<string, string>;
}

/** Claims a key for a token; false when somebody holds it already. */
export async function claimIdempotencyKey(
  db: Kysely<DB>,
  tokenId: string,
  key: string,
  requestHash: string,
): Promise<boolean> {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({ token_id: tokenId, key, request_hash: requestHash })
    .onConflict((oc) => oc.columns(['token_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return claimed !== undefined;
}

export async function findIdempotencyKey(
  db: Kysely<DB>,
  tokenId: string,
  key: string,
): Promise<StoredIdempotentAnswer> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('token_id', '=', tokenId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}

export async function storeIdempotentAnswer(
  db: Kysely<DB>,
  tokenId: string,
  key: string,
  answer: { statusCode: number; body: unknown; headers: Record<string, string> },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({
      status_code: answer.statusCode,
      response_body: JSON.stringify(answer.body ?? null),
      headers: JSON.stringify(answer.headers),
    })
    .where('token_id', '=', tokenId)
    .where('key', '=', key)
    .execute();
}
