// Which X a database's accounts belong to (migration 0008): the X emulator, or a real X.
// Bound once, on first use, under a lock, in the same transaction as the first identities
// written: the emulator's generated tokens and made-up user ids never land in a database that
// holds real ones, and real credentials are never stored in a database of the emulator's.
import { sql, type Kysely, type Transaction } from 'kysely';
import { DbError } from '../errors.js';
import { takeLock } from '../locks.js';
import type { DB } from '../types.js';

/** Where X calls go: the X emulator, or a real X API at its base URL. */
export type XTarget = { kind: 'emulator' } | { kind: 'x'; baseUrl: string };

export interface XBinding {
  kind: 'emulator' | 'x';
  /** The real X's base URL as first bound (null for the emulator, or a binding made by migration 0008). */
  baseUrl: string | null;
  boundAt: Date;
  boundBy: string;
}

/** The database is bound to another X than the one asked for; nothing was written. */
export class XBindingConflict extends DbError {
  readonly binding: XBinding | null;
  constructor(message: string, binding: XBinding | null) {
    super('X_BINDING_CONFLICT', message);
    this.name = 'XBindingConflict';
    this.binding = binding;
  }
}

/**
 * Takes the binding's lock for the rest of the transaction (again is a no-op). bindX takes it;
 * a transaction that locks an account's row before binding takes it first, so that binders
 * always lock in the same order (the binding, then rows).
 */
export async function lockXBinding(trx: Transaction<DB>): Promise<void> {
  // Every binder takes it first (LOCKS.xBinding): two first uses at once are decided one after the other.
  await takeLock(trx, 'xBinding');
}

export function describeXTarget(target: XTarget | XBinding): string {
  return target.kind === 'emulator' ? 'the X emulator' : `a real X API${target.baseUrl ? ` (${target.baseUrl})` : ''}`;
}

export async function readXBinding(db: Kysely<DB> | Transaction<DB>): Promise<XBinding | null> {
  const row = await db.selectFrom('x_binding').select(['kind', 'base_url', 'bound_at', 'bound_by']).executeTakeFirst();
  return row ? { kind: row.kind, baseUrl: row.base_url, boundAt: row.bound_at, boundBy: row.bound_by } : null;
}

/**
 * Binds the database to `target` if it is not bound yet, or checks that it is bound to the
 * same kind of X (a real X at another base URL is the same kind: its first URL is kept).
 * The emulator binds only a database that holds no X identity at all (no stored credentials,
 * no X user id): anything there was not written by it. Throws XBindingConflict otherwise;
 * call it inside the transaction that then writes identities, so that both commit or neither.
 */
export async function bindX(trx: Transaction<DB>, target: XTarget, boundBy: string): Promise<XBinding> {
  await lockXBinding(trx);
  const bound = await readXBinding(trx);
  if (bound) {
    if (bound.kind === target.kind) return bound;
    throw new XBindingConflict(
      target.kind === 'emulator'
        ? `this database is bound to ${describeXTarget(bound)} (since ${bound.boundAt.toISOString()}, by ${bound.boundBy}): the X emulator writes no identity into it. Run the emulator on a database of its own, or set X_API_BASE_URL`
        : `this database is bound to the X emulator (since ${bound.boundAt.toISOString()}): its accounts hold the emulator's made-up identities, and real X credentials are not stored beside them. Use a database that has never run the emulator for a real X`,
      bound,
    );
  }
  if (target.kind === 'emulator') {
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from accounts where credentials_encrypted is not null or x_user_id is not null`.execute(
      trx,
    );
    const held = Number(rows[0]?.n ?? 0);
    if (held > 0) {
      throw new XBindingConflict(
        `this database holds X credentials or X user ids for ${held} account(s) that the X emulator did not write: it writes no identity into it. Run the emulator on a database of its own, or set X_API_BASE_URL`,
        null,
      );
    }
  }
  const baseUrl = target.kind === 'x' ? target.baseUrl : null;
  const row = await trx
    .insertInto('x_binding')
    .values({ kind: target.kind, base_url: baseUrl, bound_by: boundBy })
    .returning(['kind', 'base_url', 'bound_at', 'bound_by'])
    .executeTakeFirstOrThrow();
  return { kind: row.kind, baseUrl: row.base_url, boundAt: row.bound_at, boundBy: row.bound_by };
}
