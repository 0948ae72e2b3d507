import { findEvent, openOfficeScopes, type DB, type DisruptionEvent } from '@jcp/db';
import type { Kysely } from 'kysely';
import { covers, type Caller } from '../caller.js';
import { fail } from '../problems.js';

/** The districts and accounts whose managers may act on a disruption event. */
export interface EventOwners {
  districtCodes: string[];
  accountIds: string[];
}

/**
 * Whether the caller has scope over every owner of an event: an admin always; a
 * manager over a district or account its token names, or over one whose every office in
 * business it covers (one it could close whole with POST /notices). Nobody but an admin
 * acts on an event without owners.
 */
export async function coversOwners(db: Kysely<DB>, caller: Caller, owners: EventOwners): Promise<boolean> {
  if (caller.role === 'admin') return true;
  if (owners.districtCodes.length === 0 && owners.accountIds.length === 0) return false;
  const districts = owners.districtCodes.filter((d) => !caller.districtCodes.includes(d));
  const accounts = owners.accountIds.filter((c) => !caller.accountIds.includes(c));
  if (districts.length === 0 && accounts.length === 0) return true;
  const offices = await openOfficeScopes(db, { districtCodes: districts, accountIds: accounts });
  const units = [
    ...districts.map((d) => offices.filter((o) => o.district_code === d)),
    ...accounts.map((c) => offices.filter((o) => o.account_id === c)),
  ];
  return units.every((unit) => unit.length > 0 && unit.every((o) => covers(caller, o)));
}

/**
 * An open (not ended) disruption event the caller may act on (add offices, tie a
 * notice, end): 404 when there is none, 403 when the caller lacks scope over one of
 * its owners, 409 when it has ended.
 */
export async function openEvent(db: Kysely<DB>, eventId: string, caller: Caller): Promise<DisruptionEvent> {
  const event = await findEvent(db, eventId);
  if (!event) throw fail('EVENT_NOT_FOUND', `No disruption event ${eventId}`);
  const owners = { districtCodes: event.owner_district_codes, accountIds: event.owner_account_ids };
  if (!(await coversOwners(db, caller, owners))) {
    const named = [
      ...owners.districtCodes.map((d) => `district ${d}`),
      ...owners.accountIds.map((c) => `account ${c}`),
    ];
    throw fail(
      'EVENT_OUT_OF_SCOPE',
      `Disruption event ${event.id} belongs to ${named.length > 0 ? named.join(', ') : 'the admins (it has no owners)'}: only a manager with scope over all of its owners, or an admin, may add offices to it, tie notices to it or end it`,
      { owners },
    );
  }
  if (event.ended_at)
    throw fail('EVENT_ENDED', `Disruption event ${event.id} ended at ${event.ended_at.toISOString()}`);
  return event;
}

/**
 * The owners an event gets when it starts: the districts of its first offices, or the
 * account of one a manager covers only through that account; with no offices, the
 * manager's own districts and accounts (an admin's empty event has none: admins only).
 */
export function ownersAtStart(
  caller: Caller,
  offices: readonly { district_code: string; account_id: string }[],
): EventOwners {
  const admin = caller.role === 'admin';
  if (offices.length === 0)
    return admin
      ? { districtCodes: [], accountIds: [] }
      : { districtCodes: [...caller.districtCodes].sort(), accountIds: [...caller.accountIds].sort() };
  const districts = new Set<string>();
  const accounts = new Set<string>();
  for (const o of offices) {
    if (admin || caller.districtCodes.includes(o.district_code)) districts.add(o.district_code);
    else accounts.add(o.account_id);
  }
  return { districtCodes: [...districts].sort(), accountIds: [...accounts].sort() };
}
