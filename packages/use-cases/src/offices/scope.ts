import { officeScopes, type DB, type OfficeScope } from '@jcp/db';
import type { Kysely } from 'kysely';
import { covers, type Caller } from '../caller.js';
import { fail } from '../problems.js';

export type ScopedOffice = OfficeScope;

/** Refuses the whole request when any office is outside the caller's scope. */
export function assertCovers(caller: Caller, offices: readonly Omit<ScopedOffice, 'closed_permanently_on'>[]): void {
  const outside = offices.filter((o) => !covers(caller, o)).map((o) => o.id);
  if (outside.length > 0) {
    throw fail(
      'OUT_OF_SCOPE',
      `${outside.length} office(s) are outside this token's districts and accounts, so nothing was applied: ${outside.slice(0, 10).join(', ')}${outside.length > 10 ? ', …' : ''}`,
      { outOfScope: outside.slice(0, 100) },
    );
  }
}

/** Offices by id; unknown ids refuse the request (422). */
export async function officesByIds(db: Kysely<DB>, ids: readonly string[]): Promise<ScopedOffice[]> {
  const unique = [...new Set(ids)];
  const rows = await officeScopes(db, unique);
  if (rows.length !== unique.length) {
    const known = new Set(rows.map((r) => r.id));
    const unknown = unique.filter((id) => !known.has(id));
    throw fail(
      'UNKNOWN_OFFICES',
      `unknown office(s): ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`,
      {
        errors: unknown.slice(0, 100).map((id) => ({ path: '/offices', message: `no office ${id}` })),
      },
    );
  }
  return rows;
}
