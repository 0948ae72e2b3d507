// The reference data an office import brings: jobcentre groups and districts, and the
// placeholder account of each district that has offices but no account yet.
import { districtAccountId, placeholderHandle, type District } from '@jcp/domain';
import { sql, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import { RegistryFileError } from '../errors.js';
import type { DB } from '../types.js';
import { parseCsv, type CsvRow } from './csv.js';
import type { RegistryInput } from './import-offices.js';

const WALES_GROUP = '11';

export function emptyToNull(value: string | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

/** Register exports can list a key more than once (its history): keep its latest entry. */
export function latestEntries(rows: CsvRow[]): CsvRow[] {
  const byKey = new Map<string, CsvRow>();
  const entry = (r: CsvRow) => Number(r.fields['entry-number'] ?? 0) || 0;
  for (const row of rows) {
    const key = row.fields.key?.trim() ?? '';
    const seen = byKey.get(key);
    if (!seen || entry(row) >= entry(seen)) byKey.set(key, row);
  }
  return [...byKey.values()];
}

export async function syncReferenceData(trx: Transaction<DB>, input: RegistryInput): Promise<Map<string, District>> {
  const groups = latestEntries(parseCsv(input.groups, ['key', 'name'], 'groups file')).map(({ fields }) => ({
    code: fields.key?.trim() ?? '',
    name: fields.name?.trim() ?? '',
    start_date: emptyToNull(fields['start-date']),
    end_date: emptyToNull(fields['end-date']),
  }));
  const districts = latestEntries(parseCsv(input.districts, ['key', 'name', 'jobcentre-group'], 'districts file')).map(
    ({ fields }) => ({
      code: fields.key?.trim() ?? '',
      name: fields.name?.trim() ?? '',
      group_code: fields['jobcentre-group']?.trim() ?? '',
      start_date: emptyToNull(fields['start-date']),
      end_date: emptyToNull(fields['end-date']),
    }),
  );
  const bad = [...groups, ...districts].filter((r) => !r.code || !r.name);
  if (bad.length > 0)
    throw new RegistryFileError(`groups or districts file: ${bad.length} entr(ies) without a key or a name`);
  const knownGroups = new Set([
    ...groups.map((g) => g.code),
    ...(await trx.selectFrom('office_groups').select('code').execute()).map((g) => g.code),
  ]);
  const orphans = districts.filter((d) => !knownGroups.has(d.group_code));
  if (orphans.length > 0) {
    throw new RegistryFileError(
      `districts file: district(s) ${orphans.map((d) => `${d.code} (group ${d.group_code})`).join(', ')} name a group that is not in the groups file`,
    );
  }
  // Upserts that only write when something differs, so a re-import touches nothing.
  if (groups.length > 0) {
    await trx
      .insertInto('office_groups')
      .values(groups)
      .onConflict((oc) =>
        oc
          .column('code')
          .doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            start_date: eb.ref('excluded.start_date'),
            end_date: eb.ref('excluded.end_date'),
          }))
          .where(
            sql<boolean>`(office_groups.name, office_groups.start_date, office_groups.end_date) is distinct from (excluded.name, excluded.start_date, excluded.end_date)`,
          ),
      )
      .execute();
  }
  if (districts.length > 0) {
    await trx
      .insertInto('districts')
      .values(districts)
      .onConflict((oc) =>
        oc
          .column('code')
          .doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            group_code: eb.ref('excluded.group_code'),
            start_date: eb.ref('excluded.start_date'),
            end_date: eb.ref('excluded.end_date'),
          }))
          .where(
            sql<boolean>`(districts.name, districts.group_code, districts.start_date, districts.end_date) is distinct from (excluded.name, excluded.group_code, excluded.start_date, excluded.end_date)`,
          ),
      )
      .execute();
  }
  const rows = await trx.selectFrom('districts').selectAll().execute();
  return new Map(
    rows.map((d) => [d.code, { code: d.code, name: d.name, groupCode: d.group_code, endDate: d.end_date }]),
  );
}

/** Creates the placeholder account of each district that has offices but no account yet. */
export async function ensureDistrictAccounts(
  trx: Transaction<DB>,
  districtCodes: Set<string>,
  districts: Map<string, District>,
  actor: string,
): Promise<number> {
  const existing = await trx.selectFrom('accounts').select(['id', 'handle']).execute();
  const ids = new Set(existing.map((c) => c.id));
  const taken = new Set(existing.map((c) => c.handle.toLowerCase()));
  const created = [];
  for (const code of [...districtCodes].sort()) {
    const id = districtAccountId(code);
    const district = districts.get(code);
    if (ids.has(id) || !district) continue;
    const handle = placeholderHandle(district.name, code, taken);
    taken.add(handle.toLowerCase());
    created.push({
      id,
      name: district.name,
      handle,
      is_placeholder: true,
      languages: district.groupCode === WALES_GROUP ? ['en', 'cy'] : ['en'],
    });
  }
  if (created.length > 0) {
    await trx.insertInto('accounts').values(created).execute();
    await appendAudit(
      trx,
      created.map((c) => ({ actor, action: 'account.created', entityType: 'account', entityId: c.id, after: c })),
    );
  }
  return created.length;
}
