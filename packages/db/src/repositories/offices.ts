import type { Kysely } from 'kysely';
import type { DB } from '../types.js';

export interface OfficeWithNames {
  id: string;
  office_code: string;
  name: string;
  address: string;
  postcode: string;
  district_code: string;
  district_name: string;
  account_id: string;
  account_handle: string;
  regular_hours: unknown;
  closed_permanently_on: string | null;
  updated_at: Date;
  aliases: { alias: string; language: string }[];
}

function officesWithNames(db: Kysely<DB>) {
  return db
    .selectFrom('offices as o')
    .innerJoin('districts as d', 'd.code', 'o.district_code')
    .innerJoin('accounts as c', 'c.id', 'o.account_id')
    .select([
      'o.id',
      'o.office_code',
      'o.name',
      'o.address',
      'o.postcode',
      'o.district_code',
      'd.name as district_name',
      'o.account_id',
      'c.handle as account_handle',
      'o.regular_hours',
      'o.closed_permanently_on',
      'o.updated_at',
    ]);
}

/** One office with its district, account and aliases, or undefined. */
export async function findOffice(db: Kysely<DB>, id: string): Promise<OfficeWithNames | undefined> {
  const office = await officesWithNames(db).where('o.id', '=', id).executeTakeFirst();
  if (!office) return undefined;
  const aliases = await db
    .selectFrom('office_aliases')
    .select(['alias', 'language'])
    .where('office_id', '=', id)
    .orderBy('alias')
    .execute();
  return { ...office, aliases };
}

export interface OfficeFilter {
  accountId?: string | undefined;
  districtCode?: string | undefined;
  includeClosedPermanently?: boolean;
}

/** Offices matching the filter, ordered by id, with their aliases. */
export async function listOffices(db: Kysely<DB>, filter: OfficeFilter): Promise<OfficeWithNames[]> {
  let query = officesWithNames(db).orderBy('o.id');
  if (filter.accountId) query = query.where('o.account_id', '=', filter.accountId);
  if (filter.districtCode) query = query.where('o.district_code', '=', filter.districtCode);
  if (!filter.includeClosedPermanently) query = query.where('o.closed_permanently_on', 'is', null);
  const offices = await query.execute();
  const aliases = await db
    .selectFrom('office_aliases')
    .select(['office_id', 'alias', 'language'])
    .orderBy('alias')
    .execute();
  const byOffice = new Map<string, { alias: string; language: string }[]>();
  for (const a of aliases)
    byOffice.set(a.office_id, [...(byOffice.get(a.office_id) ?? []), { alias: a.alias, language: a.language }]);
  return offices.map((o) => ({ ...o, aliases: byOffice.get(o.id) ?? [] }));
}

/**
 * What decides who may act on an office (its district and its account), and whether a notice
 * may name it (not closed for good: the date it closed, or null).
 */
export interface OfficeScope {
  id: string;
  district_code: string;
  account_id: string;
  closed_permanently_on: string | null;
}

const SCOPE = ['id', 'district_code', 'account_id', 'closed_permanently_on'] as const;

/** The scope of one office, or undefined when there is none by that id. */
export async function findOfficeScope(db: Kysely<DB>, id: string): Promise<OfficeScope | undefined> {
  return db.selectFrom('offices').select(SCOPE).where('id', '=', id).executeTakeFirst();
}

/** The scopes of the offices with these ids (unknown ids are left out). */
export async function officeScopes(db: Kysely<DB>, ids: readonly string[]): Promise<OfficeScope[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('offices')
    .select(SCOPE)
    .where('id', 'in', [...ids])
    .execute();
}

/** The offices in business (not closed permanently) of an account, a district, a disruption event or any of several districts and accounts, by id. */
export async function openOfficeScopes(
  db: Kysely<DB>,
  of: { accountIds?: readonly string[]; districtCodes?: readonly string[]; eventId?: string },
): Promise<OfficeScope[]> {
  const accounts = of.accountIds ?? [];
  const districts = of.districtCodes ?? [];
  if (of.eventId === undefined && accounts.length === 0 && districts.length === 0) return [];
  let query = db.selectFrom('offices').select(SCOPE).where('closed_permanently_on', 'is', null).orderBy('id');
  if (of.eventId !== undefined) {
    const eventId = of.eventId;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('disruption_event_offices').select('office_id').where('event_id', '=', eventId),
    );
  }
  if (accounts.length > 0 || districts.length > 0)
    query = query.where((eb) =>
      eb.or([
        ...(districts.length > 0 ? [eb('district_code', 'in', [...districts])] : []),
        ...(accounts.length > 0 ? [eb('account_id', 'in', [...accounts])] : []),
      ]),
    );
  return query.execute();
}

/** Whether there is an office of this id. */
export async function officeExists(db: Kysely<DB>, id: string): Promise<boolean> {
  return (await db.selectFrom('offices').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function districtExists(db: Kysely<DB>, code: string): Promise<boolean> {
  return (await db.selectFrom('districts').select('code').where('code', '=', code).executeTakeFirst()) !== undefined;
}

/**
 * Offices in business that may be stale closures at `now`: only an office whose
 * materialised status is not open, or is due to change, can be (the caller decides).
 */
export async function staleClosureCandidates(db: Kysely<DB>, now: Date): Promise<(OfficeScope & { name: string })[]> {
  return db
    .selectFrom('offices as o')
    .select(['o.id', 'o.name', 'o.district_code', 'o.account_id', 'o.closed_permanently_on'])
    .where('o.closed_permanently_on', 'is', null)
    .where('o.id', 'in', (eb) =>
      eb
        .selectFrom('office_status')
        .select('office_id')
        .where((w) => w.or([w('status', '!=', 'open'), w('next_transition_at', '<=', now)])),
    )
    .orderBy('o.id')
    .execute();
}
