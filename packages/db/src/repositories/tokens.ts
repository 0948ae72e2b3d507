import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import type { ApiToken, DB, Role } from '../types.js';

const PREFIX = 'jcp_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewToken {
  name: string;
  role: Role;
  districtCodes?: string[];
  accountIds?: string[];
  createdBy: string;
}

/** Issues a token; the secret is returned here only, the database keeps its hash. */
export async function issueToken(db: Kysely<DB>, input: NewToken): Promise<{ token: string; record: ApiToken }> {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  // Inside the caller's transaction when given one (an idempotent API write), else its own.
  const write = async (trx: Kysely<DB>) => {
    const row = await trx
      .insertInto('api_tokens')
      .values({
        id: randomUUID(),
        name: input.name,
        role: input.role,
        token_hash: hashToken(token),
        district_codes: input.districtCodes ?? [],
        account_ids: input.accountIds ?? [],
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, [
      {
        actor: input.createdBy,
        action: 'token.issued',
        entityType: 'token',
        entityId: row.id,
        after: { name: row.name, role: row.role, districtCodes: row.district_codes, accountIds: row.account_ids },
      },
    ]);
    return row;
  };
  const record = db.isTransaction ? await write(db) : await db.transaction().execute(write);
  return { token, record };
}

/** The live token a bearer secret belongs to, or undefined (unknown or revoked). */
export async function findActiveToken(db: Kysely<DB>, token: string): Promise<ApiToken | undefined> {
  if (!token.startsWith(PREFIX) || token.length > 200) return undefined;
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Tokens for the admin listing, newest first (the hash is never selected). */
export type TokenSummary = Omit<ApiToken, 'token_hash'>;

const SUMMARY_COLUMNS = [
  'id',
  'name',
  'role',
  'district_codes',
  'account_ids',
  'created_by',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

export async function listTokens(db: Kysely<DB>, options: { includeRevoked?: boolean } = {}): Promise<TokenSummary[]> {
  let query = db.selectFrom('api_tokens').select(SUMMARY_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  return query.execute();
}

export async function findToken(db: Kysely<DB>, id: string): Promise<TokenSummary | undefined> {
  return db.selectFrom('api_tokens').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** The given district codes and account ids that name no district or account. */
export async function unknownScopes(
  db: Kysely<DB>,
  districtCodes: readonly string[],
  accountIds: readonly string[],
): Promise<{ districtCodes: string[]; accountIds: string[] }> {
  const districts =
    districtCodes.length === 0
      ? []
      : await db
          .selectFrom('districts')
          .select('code')
          .where('code', 'in', [...districtCodes])
          .execute();
  const accounts =
    accountIds.length === 0
      ? []
      : await db
          .selectFrom('accounts')
          .select('id')
          .where('id', 'in', [...accountIds])
          .execute();
  const knownDistricts = new Set(districts.map((d) => d.code));
  const knownAccounts = new Set(accounts.map((c) => c.id));
  return {
    districtCodes: districtCodes.filter((c) => !knownDistricts.has(c)),
    accountIds: accountIds.filter((c) => !knownAccounts.has(c)),
  };
}

/** How long a token's `last_used_at` may lag behind its real last use. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Records that a token was used, at most once a minute: the row is written only when
 * `last_used_at` is unset or older than a minute, so most calls change nothing.
 */
export async function touchToken(db: Kysely<DB>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ last_used_at: sql`now()` })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The live admin tokens, locked (in id order, so two admins revoking each other's token at once cannot both succeed nor deadlock). */
export async function lockLiveAdminTokens(trx: Transaction<DB>): Promise<string[]> {
  const rows = await trx
    .selectFrom('api_tokens')
    .select('id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

/** A token, locked for revoking; undefined when there is none. */
export async function lockToken(
  trx: Transaction<DB>,
  id: string,
): Promise<{ id: string; name: string; role: Role; revoked_at: Date | null } | undefined> {
  return trx
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'revoked_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Marks a live token (locked by lockToken) revoked, and audits it. */
export async function markTokenRevoked(
  trx: Transaction<DB>,
  token: { id: string; name: string; role: Role },
  actor: string,
): Promise<void> {
  const row = await trx
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', token.id)
    .where('revoked_at', 'is', null)
    .returning('revoked_at')
    .executeTakeFirstOrThrow();
  await appendAudit(trx, [
    {
      actor,
      action: 'token.revoked',
      entityType: 'token',
      entityId: token.id,
      before: { name: token.name, role: token.role, revokedAt: null },
      after: { revokedAt: row.revoked_at },
    },
  ]);
}

/** Revokes a token (even the last admin's); false when it is unknown or already revoked. */
export async function revokeToken(db: Kysely<DB>, id: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const token = await lockToken(trx, id);
    if (!token || token.revoked_at) return false;
    await markTokenRevoked(trx, token, actor);
    return true;
  });
}
