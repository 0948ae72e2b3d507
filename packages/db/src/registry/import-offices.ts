import { readFile } from 'node:fs/promises';
import {
  districtClusterId,
  findDuplicateOffices,
  placeholderHandle,
  validateOfficeRow,
  type District,
  type OfficeRecord,
  type RowError,
} from '@jcp/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAudit, type AuditRecord } from '../audit.js';
import { defaultRegistryFiles } from '../paths.js';
import { notifyOfficesChanged } from '../repositories/status.js';
import type { DB, Office } from '../types.js';
import { parseCsv, type CsvRow } from './csv.js';
import { RegistryFileError } from '../errors.js';
import { liftStatementTimeout } from '../connection.js';
import { takeLock } from '../locks.js';

export interface RegistryInput {
  offices: string;
  districts: string;
  groups: string;
  aliases?: string | undefined;
}

export interface ImportReport {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  closed: number;
  clustersCreated: number;
  aliasesAdded: number;
  rejected: RowError[];
  /** Why offices missing from the file were not closed, when they were not. */
  closuresSkipped: string | null;
}

export interface ImportOptions {
  actor: string;
  /**
   * Allow closing more than a tenth of the open offices (at least 6) in one import.
   * Without it such an import is refused: it is far likelier a truncated file.
   */
  allowMassClosure?: boolean;
  /** The date (Europe/London) an office absent from the file is recorded as closed. */
  today?: string;
}

const WALES_GROUP = '11';

export function londonToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

export async function readRegistryFiles(
  files: Partial<Record<keyof RegistryInput, string>> = {},
): Promise<RegistryInput> {
  const paths = { ...defaultRegistryFiles, ...files };
  const [offices, districts, groups, aliases] = await Promise.all([
    readFile(paths.offices, 'utf8'),
    readFile(paths.districts, 'utf8'),
    readFile(paths.groups, 'utf8'),
    paths.aliases ? readFile(paths.aliases, 'utf8') : Promise.resolve(undefined),
  ]);
  return { offices, districts, groups, aliases };
}

function emptyToNull(value: string | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

/** Register exports can list a key more than once (its history): keep its latest entry. */
function latestEntries(rows: CsvRow[]): CsvRow[] {
  const byKey = new Map<string, CsvRow>();
  const entry = (r: CsvRow) => Number(r.fields['entry-number'] ?? 0) || 0;
  for (const row of rows) {
    const key = row.fields.key?.trim() ?? '';
    const seen = byKey.get(key);
    if (!seen || entry(row) >= entry(seen)) byKey.set(key, row);
  }
  return [...byKey.values()];
}

async function syncReferenceData(trx: Transaction<DB>, input: RegistryInput): Promise<Map<string, District>> {
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

/** Creates the placeholder cluster of each district that has offices but no cluster yet. */
async function ensureDistrictClusters(
  trx: Transaction<DB>,
  districtCodes: Set<string>,
  districts: Map<string, District>,
  actor: string,
): Promise<number> {
  const existing = await trx.selectFrom('clusters').select(['id', 'handle']).execute();
  const ids = new Set(existing.map((c) => c.id));
  const taken = new Set(existing.map((c) => c.handle.toLowerCase()));
  const created = [];
  for (const code of [...districtCodes].sort()) {
    const id = districtClusterId(code);
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
    await trx.insertInto('clusters').values(created).execute();
    await appendAudit(
      trx,
      created.map((c) => ({ actor, action: 'cluster.created', entityType: 'cluster', entityId: c.id, after: c })),
    );
  }
  return created.length;
}

type OfficeFields = Pick<
  Office,
  'office_code' | 'name' | 'address' | 'postcode' | 'district_code' | 'closed_permanently_on'
>;

function fieldsOf(office: OfficeFields): OfficeFields {
  return {
    office_code: office.office_code,
    name: office.name,
    address: office.address,
    postcode: office.postcode,
    district_code: office.district_code,
    closed_permanently_on: office.closed_permanently_on,
  };
}

function changedFields(before: OfficeFields, after: OfficeFields): Partial<OfficeFields> {
  const diff: Partial<OfficeFields> = {};
  for (const key of Object.keys(after) as (keyof OfficeFields)[]) {
    if (before[key] !== after[key]) (diff as Record<string, unknown>)[key] = after[key];
  }
  return diff;
}

/**
 * Pairs each incoming record with the stored office it describes: by id first; then,
 * per office code, a record and a still-open office that are the only unmatched ones
 * of that code on each side are the same office renamed (shared codes included).
 */
function matchOffices(records: OfficeRecord[], existing: Office[]): Map<OfficeRecord, Office | undefined> {
  const byId = new Map(existing.map((o) => [o.id, o]));
  const matched = new Map<OfficeRecord, Office | undefined>();
  const used = new Set<string>();
  for (const record of records) {
    const office = byId.get(record.id);
    matched.set(record, office);
    if (office) used.add(office.id);
  }
  const group = <T>(items: T[], key: (t: T) => string) => {
    const map = new Map<string, T[]>();
    for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
    return map;
  };
  const unmatchedRecords = group(
    records.filter((r) => !matched.get(r)),
    (r) => r.officeCode,
  );
  const unmatchedOffices = group(
    existing.filter((o) => !used.has(o.id) && o.closed_permanently_on === null),
    (o) => o.office_code,
  );
  for (const [code, recs] of unmatchedRecords) {
    const offices = unmatchedOffices.get(code);
    if (recs.length === 1 && offices?.length === 1 && recs[0] && offices[0]) matched.set(recs[0], offices[0]);
  }
  return matched;
}

function validateOffices(input: RegistryInput, districts: Map<string, District>) {
  const rows: CsvRow[] = parseCsv(
    input.offices,
    ['office_code', 'name', 'address', 'postcode', 'district_code'],
    'offices file',
  );
  const valid: OfficeRecord[] = [];
  const rejected: RowError[] = [];
  const rejectedCodes = new Set<string>();
  let unidentified = 0;
  for (const row of rows) {
    const result = validateOfficeRow(row.fields, row.line, districts);
    if (result.ok) valid.push(result.office);
    else {
      rejected.push(...result.errors.map((e) => ({ file: 'offices', ...e })));
      const code = row.fields.office_code?.trim() ?? '';
      if (/^\d{1,6}$/.test(code)) rejectedCodes.add(code);
      else unidentified++;
    }
  }
  const { kept, errors } = findDuplicateOffices(valid);
  rejected.push(...errors.map((e) => ({ file: 'offices', ...e })));
  return { total: rows.length, records: kept, rejected, rejectedCodes, unidentified };
}

/**
 * Imports the office register idempotently in one transaction: new offices are
 * inserted, changed ones updated, offices missing from the file marked closed for
 * good (never deleted), each change audited. Bad rows are reported, the rest load.
 */
export async function importOfficeRegistry(
  db: Kysely<DB>,
  input: RegistryInput,
  options: ImportOptions,
): Promise<ImportReport> {
  const today = options.today ?? londonToday();
  const actor = options.actor;
  return db.transaction().execute(async (trx) => {
    // A whole register in one transaction, perhaps after another importer's: no statement deadline.
    await liftStatementTimeout(trx);
    // Two importers at once would each insert what the other has not yet committed.
    await takeLock(trx, 'registry');
    const districts = await syncReferenceData(trx, input);
    const { total, records, rejected, rejectedCodes, unidentified } = validateOffices(input, districts);

    const existing = await trx.selectFrom('offices').selectAll().execute();
    const matches = matchOffices(records, existing);
    const newDistricts = new Set(records.filter((r) => !matches.get(r)).map((r) => r.districtCode));
    for (const [record, office] of matches)
      if (office && office.district_code !== record.districtCode) newDistricts.add(record.districtCode);
    const clustersCreated = await ensureDistrictClusters(trx, newDistricts, districts, actor);

    const audit: AuditRecord[] = [];
    const inserts = [];
    let updated = 0;
    let unchanged = 0;
    for (const [record, office] of matches) {
      const next: OfficeFields = {
        office_code: record.officeCode,
        name: record.name,
        address: record.address,
        postcode: record.postcode,
        district_code: record.districtCode,
        closed_permanently_on: record.closedOn,
      };
      if (!office) {
        inserts.push({ id: record.id, ...next, cluster_id: districtClusterId(record.districtCode) });
        audit.push({ actor, action: 'office.created', entityType: 'office', entityId: record.id, after: next });
        continue;
      }
      const before = fieldsOf(office);
      const diff = changedFields(before, next);
      if (Object.keys(diff).length === 0) {
        unchanged++;
        continue;
      }
      // An office that moves district follows it only if it was on its district's default cluster.
      const cluster_id =
        diff.district_code && office.cluster_id === districtClusterId(office.district_code)
          ? districtClusterId(record.districtCode)
          : office.cluster_id;
      await trx
        .updateTable('offices')
        .set({ ...diff, cluster_id, updated_at: sql`now()` })
        .where('id', '=', office.id)
        .execute();
      audit.push({ actor, action: 'office.updated', entityType: 'office', entityId: office.id, before, after: next });
      updated++;
    }
    if (inserts.length > 0) await trx.insertInto('offices').values(inserts).execute();

    const present = new Set([...matches.values()].filter((o): o is Office => !!o).map((o) => o.id));
    const missing = existing.filter(
      (o) => !present.has(o.id) && o.closed_permanently_on === null && !rejectedCodes.has(o.office_code),
    );
    const openCount = existing.filter((o) => o.closed_permanently_on === null).length;
    const closuresSkipped =
      records.length === 0
        ? 'the file has no valid office row'
        : unidentified > 0
          ? `${unidentified} rejected row(s) have no usable office code, so which offices they describe is unknown`
          : null;
    const gone = closuresSkipped ? [] : missing;
    if (gone.length > 5 && gone.length > openCount / 10 && !options.allowMassClosure) {
      throw new RegistryFileError(
        `this file would close ${gone.length} of ${openCount} open offices for good; if that is right, import it again allowing mass closure (--allow-mass-closure)`,
      );
    }
    if (gone.length > 0) {
      await trx
        .updateTable('offices')
        .set({ closed_permanently_on: today, updated_at: sql`now()` })
        .where(
          'id',
          'in',
          gone.map((o) => o.id),
        )
        .execute();
      for (const office of gone) {
        audit.push({
          actor,
          action: 'office.closed_permanently',
          entityType: 'office',
          entityId: office.id,
          before: fieldsOf(office),
          after: { ...fieldsOf(office), closed_permanently_on: today },
        });
      }
    }
    const aliasesAdded = input.aliases ? await importAliases(trx, input.aliases, actor, audit, rejected) : 0;
    await appendAudit(trx, audit);
    if (audit.length > 0) await notifyOfficesChanged(trx);
    rejected.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
    return {
      total,
      inserted: inserts.length,
      updated,
      unchanged,
      closed: gone.length,
      clustersCreated,
      aliasesAdded,
      rejected,
      closuresSkipped: missing.length > 0 ? closuresSkipped : null,
    };
  });
}

/** Adds aliases that are not there yet; aliases added by other means are left alone. */
async function importAliases(
  trx: Transaction<DB>,
  text: string,
  actor: string,
  audit: AuditRecord[],
  rejected: RowError[],
): Promise<number> {
  const rows = parseCsv(text, ['office_code', 'office_name', 'alias', 'language'], 'aliases file');
  const offices = await trx.selectFrom('offices').select(['id', 'office_code', 'name']).execute();
  const byKey = new Map(offices.map((o) => [`${o.office_code}\u0000${o.name}`, o.id]));
  const wanted = new Map<string, { office_id: string; alias: string; language: 'en' | 'cy' }>();
  for (const { line, fields } of rows) {
    const officeId = byKey.get(`${fields.office_code?.trim()}\u0000${fields.office_name?.trim()}`);
    const alias = fields.alias?.trim().normalize('NFC') ?? '';
    const language = fields.language?.trim();
    // An alias of an office that is not in the registry (a partial import) is skipped, not an error.
    if (!officeId) continue;
    if (!alias || alias.length > 120)
      rejected.push({ file: 'aliases', line, field: 'alias', reason: 'missing or longer than 120 characters' });
    else if (language !== 'en' && language !== 'cy')
      rejected.push({ file: 'aliases', line, field: 'language', reason: 'must be en or cy' });
    else wanted.set(`${officeId}\u0000${alias}`, { office_id: officeId, alias, language });
  }
  if (wanted.size === 0) return 0;
  const added = await trx
    .insertInto('office_aliases')
    .values([...wanted.values()])
    .onConflict((oc) => oc.columns(['office_id', 'alias']).doNothing())
    .returning(['office_id', 'alias', 'language'])
    .execute();
  for (const a of added)
    audit.push({ actor, action: 'office_alias.created', entityType: 'office', entityId: a.office_id, after: a });
  return added.length;
}
