import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
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
  clusterIds?: string[];
  createdBy: string;
}

/** Issues a token; the secret is returned here only, the database keeps its hash. */
export async function issueToken(db: Kysely<DB>, input: NewToken): Promise<{ token: string; record: ApiToken }> {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const record = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('api_tokens')
      .values({
        id: randomUUID(),
        name: input.name,
        role: input.role,
        token_hash: hashToken(token),
        district_codes: input.districtCodes ?? [],
        cluster_ids: input.clusterIds ?? [],
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, [{ actor: input.createdBy, action: 'token.issued', entityType: 'token', entityId: row.id, after: { name: row.name, role: row.role, districtCodes: row.district_codes, clusterIds: row.cluster_ids } }]);
    return row;
  });
  return { token, record };
}

/** The live token a bearer secret belongs to, or undefined (unknown or revoked). */
export async function findActiveToken(db: Kysely<DB>, token: string): Promise<ApiToken | undefined> {
  if (!token.startsWith(PREFIX) || token.length > 200) return undefined;
  return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hashToken(token)).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function revokeToken(db: Kysely<DB>, id: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('api_tokens').set({ revoked_at: sql`now()` }).where('id', '=', id).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
    if (row) await appendAudit(trx, [{ actor, action: 'token.revoked', entityType: 'token', entityId: id }]);
    return !!row;
  });
}
