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

/** One office with its district, cluster and aliases, or undefined. */
export async function findOffice(db: Kysely<DB>, id: string): Promise<OfficeWithNames | undefined> {
  const office = await db
    .selectFrom('offices as o')
    .innerJoin('districts as d', 'd.code', 'o.district_code')
    .innerJoin('clusters as c', 'c.id', 'o.cluster_id')
    .select([
      'o.id', 'o.office_code', 'o.name', 'o.address', 'o.postcode', 'o.district_code', 'd.name as district_name',
      'o.cluster_id', 'c.handle as cluster_handle', 'o.regular_hours', 'o.closed_permanently_on', 'o.updated_at',
    ])
    .where('o.id', '=', id)
    .executeTakeFirst();
  if (!office) return undefined;
  const aliases = await db.selectFrom('office_aliases').select(['alias', 'language']).where('office_id', '=', id).orderBy('alias').execute();
  return { ...office, aliases };
}
