// The office rows of an import: validated, paired with the stored offices they describe, and compared.
import { findDuplicateOffices, validateOfficeRow, type District, type OfficeRecord, type RowError } from '@jcp/domain';
import type { Office } from '../types.js';
import { parseCsv, type CsvRow } from './csv.js';
import type { RegistryInput } from './import-offices.js';

export type OfficeFields = Pick<
  Office,
  'office_code' | 'name' | 'address' | 'postcode' | 'district_code' | 'closed_permanently_on'
>;

export function fieldsOf(office: OfficeFields): OfficeFields {
  return {
    office_code: office.office_code,
    name: office.name,
    address: office.address,
    postcode: office.postcode,
    district_code: office.district_code,
    closed_permanently_on: office.closed_permanently_on,
  };
}

export function changedFields(before: OfficeFields, after: OfficeFields): Partial<OfficeFields> {
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
export function matchOffices(records: OfficeRecord[], existing: Office[]): Map<OfficeRecord, Office | undefined> {
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

export function validateOffices(input: RegistryInput, districts: Map<string, District>) {
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
