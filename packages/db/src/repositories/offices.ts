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
  cluster_id: string;
  cluster_handle: string;
  regular_hours: unknown;
  closed_permanently_on: string | null;
  updated_at: Date;
  aliases: { alias: string; language: string }[];
}

function officesWithNames(db: Kysely<DB>) {
  return db
    .selectFrom('offices as o')
    .innerJoin('districts as d', 'd.code', 'o.district_code')
    .innerJoin('clusters as c', 'c.id', 'o.cluster_id')
    .select([
      'o.id',
      'o.office_code',
      'o.name',
      'o.address',
      'o.postcode',
      'o.district_code',
      'd.name as district_name',
      'o.cluster_id',
      'c.handle as cluster_handle',
      'o.regular_hours',
      'o.closed_permanently_on',
      'o.updated_at',
    ]);
}

/** One office with its district, cluster and aliases, or undefined. */
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
  clusterId?: string | undefined;
  districtCode?: string | undefined;
  /** Matches the name, an alias (case- and accent-insensitive substring) or the postcode / outward code. */
  q?: string | undefined;
  includeClosedPermanently?: boolean;
}

function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Offices matching the filter, ordered by id, with their aliases. */
export async function listOffices(db: Kysely<DB>, filter: OfficeFilter): Promise<OfficeWithNames[]> {
  let query = officesWithNames(db).orderBy('o.id');
  if (filter.clusterId) query = query.where('o.cluster_id', '=', filter.clusterId);
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
  const withAliases = offices.map((o) => ({ ...o, aliases: byOffice.get(o.id) ?? [] }));
  if (!filter.q) return withAliases;
  // Matching happens here, not in SQL, so that accents fold the same way for names and
  // aliases on PostgreSQL and PGlite alike (631 offices: a few hundred microseconds).
  const q = foldText(filter.q);
  const compactQ = q.replace(/ /g, '').toUpperCase();
  return withAliases.filter(
    (o) =>
      foldText(o.name).includes(q) ||
      o.aliases.some((a) => foldText(a.alias).includes(q)) ||
      o.postcode.replace(/ /g, '') === compactQ ||
      o.postcode.split(' ')[0] === compactQ,
  );
}
