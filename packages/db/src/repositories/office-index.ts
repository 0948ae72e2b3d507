// The offices as the mentions' classifier sees them, indexed once per process and rebuilt
// when the register changes.
import { buildOfficeIndex, type OfficeEntry, type OfficeIndex } from '@jcp/domain';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../types.js';

/** The offices as the classifier sees them: those in business, with their aliases and account. */
export async function loadOfficeEntries(db: Kysely<DB>): Promise<OfficeEntry[]> {
  const [offices, aliases] = await Promise.all([
    db
      .selectFrom('offices')
      .select(['id', 'name', 'account_id', 'postcode', 'address'])
      .where('closed_permanently_on', 'is', null)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('office_aliases')
      .select(['office_id', 'alias', 'language'])
      .orderBy('office_id')
      .orderBy('alias')
      .execute(),
  ]);
  const byOffice = new Map<string, { alias: string; language: 'en' | 'cy' }[]>();
  for (const a of aliases)
    byOffice.set(a.office_id, [...(byOffice.get(a.office_id) ?? []), { alias: a.alias, language: a.language }]);
  return offices.map((o) => ({
    id: o.id,
    name: o.name,
    accountId: o.account_id,
    postcode: o.postcode,
    address: o.address,
    aliases: byOffice.get(o.id) ?? [],
  }));
}

/** Changes whenever the register does (an import, a mapping, an alias): rebuild the index then. */
export async function officeIndexFingerprint(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ f: string }>`
    select concat_ws('|',
      (select count(*) from offices), (select max(updated_at) from offices),
      (select count(*) from office_aliases), (select md5(coalesce(string_agg(office_id || alias, ',' order by office_id, alias), '')) from office_aliases)) as f`.execute(
    db,
  );
  return rows[0]?.f ?? '';
}

/** Keeps an office index per process, rebuilt when the register changes. */
export function officeIndexCache(db: Kysely<DB>, checkEveryMs = 30_000): () => Promise<OfficeIndex> {
  let cached: { index: OfficeIndex; fingerprint: string; checkedAt: number } | null = null;
  let loading: Promise<OfficeIndex> | null = null;
  const load = async (): Promise<OfficeIndex> => {
    const fingerprint = await officeIndexFingerprint(db);
    if (cached && cached.fingerprint === fingerprint) {
      cached.checkedAt = Date.now();
      return cached.index;
    }
    const index = buildOfficeIndex(await loadOfficeEntries(db));
    cached = { index, fingerprint, checkedAt: Date.now() };
    return index;
  };
  return async () => {
    if (cached && Date.now() - cached.checkedAt < checkEveryMs) return cached.index;
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  };
}
