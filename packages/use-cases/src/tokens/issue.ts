import { issueToken, unknownScopes, type ApiToken, type DB } from '@jcp/db';
import type { Kysely } from 'kysely';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';
import { tokenScopeErrors, type TokenScopeInput } from './scope-rule.js';

const unique = (values: readonly string[] | undefined): string[] => [...new Set(values ?? [])];

/**
 * Issues an API token on the caller's behalf (audited with the caller as the issuer, never
 * the secret or its hash). The secret is in the answer only. `deps.db` may be the caller's
 * transaction (an idempotent write), in which the token is issued.
 */
export async function issueApiToken(
  deps: { db: Kysely<DB> },
  caller: Caller,
  input: TokenScopeInput & { name: string },
): Promise<{ token: string; record: ApiToken }> {
  const districtCodes = unique(input.districtCodes);
  const accountIds = unique(input.accountIds);
  const unknown =
    input.role === 'manager'
      ? await unknownScopes(deps.db, districtCodes, accountIds)
      : { districtCodes: [], accountIds: [] };
  const errors = tokenScopeErrors(input, unknown);
  if (errors.length > 0) throw fail('TOKEN_REJECTED', errors.map((e) => e.message).join('; '), { errors });
  return issueToken(deps.db, {
    name: input.name,
    role: input.role,
    districtCodes,
    accountIds,
    createdBy: caller.actor,
  });
}
