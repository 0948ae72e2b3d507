/**
 * What a token may cover, defined once: a manager acts on at least one district or account
 * (account), each of which must exist; readers and admins cover every office and take none.
 */
import type { Role } from '@jcp/db';

export interface TokenScopeInput {
  role: Role;
  /** As asked (duplicates and all): an error names the index of the first one. */
  districtCodes?: readonly string[] | undefined;
  accountIds?: readonly string[] | undefined;
}

export interface TokenScopeError {
  path: string;
  message: string;
}

/** The errors of a token's scope, given those of its districts and accounts that do not exist. */
export function tokenScopeErrors(
  input: TokenScopeInput,
  unknown: { districtCodes: readonly string[]; accountIds: readonly string[] },
): TokenScopeError[] {
  const errors: TokenScopeError[] = [];
  const districtCodes = input.districtCodes ?? [];
  const accountIds = input.accountIds ?? [];
  if (input.role === 'manager') {
    if (districtCodes.length === 0 && accountIds.length === 0)
      errors.push({ path: '/districtCodes', message: 'A manager needs at least one district or account' });
    for (const code of unknown.districtCodes)
      errors.push({
        path: `/districtCodes/${Math.max(0, districtCodes.indexOf(code))}`,
        message: `No district ${code}`,
      });
    for (const id of unknown.accountIds)
      errors.push({ path: `/accountIds/${Math.max(0, accountIds.indexOf(id))}`, message: `No account ${id}` });
  } else {
    if (districtCodes.length > 0)
      errors.push({
        path: '/districtCodes',
        message: `A ${input.role} token covers every office and takes no districts`,
      });
    if (accountIds.length > 0)
      errors.push({ path: '/accountIds', message: `A ${input.role} token covers every office and takes no accounts` });
  }
  return errors;
}
