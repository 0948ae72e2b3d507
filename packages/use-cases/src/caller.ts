import type { Role } from '@jcp/db';

/**
 * Who is asking: the principal of an API token, as every use case sees it. The API builds it
 * from the bearer token; a use case decides with it what the caller may see and do.
 */
export interface Caller {
  tokenId: string;
  name: string;
  role: Role;
  districtCodes: readonly string[];
  /** The accounts (the database's accounts) whose offices the caller may act on. */
  accountIds: readonly string[];
  /** How the audit log names this caller. */
  actor: string;
}

/** Whether a caller may act on an office (admins on every office). */
export function covers(caller: Caller, office: { district_code: string; account_id: string }): boolean {
  return (
    caller.role === 'admin' ||
    caller.districtCodes.includes(office.district_code) ||
    caller.accountIds.includes(office.account_id)
  );
}
