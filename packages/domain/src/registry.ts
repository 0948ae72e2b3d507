import { normalisePostcode } from './postcode.js';
import { officeId, slugify } from './slug.js';

export interface District {
  code: string;
  name: string;
  groupCode: string;
  endDate: string | null;
}

export interface OfficeGroup {
  code: string;
  name: string;
  endDate: string | null;
}

/** One valid row of an office register file. */
export interface OfficeRecord {
  id: string;
  officeCode: string;
  name: string;
  address: string;
  postcode: string;
  districtCode: string;
  closedOn: string | null;
  line: number;
}

export interface RowError {
  /** The input the row came from, where an import reads several. */
  file?: string;
  line: number;
  field: string;
  reason: string;
}

export type RowResult = { ok: true; office: OfficeRecord } | { ok: false; errors: RowError[] };

export const OFFICE_COLUMNS = ['office_code', 'name', 'address', 'postcode', 'district_code'] as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Validates one CSV row (already split into named fields) of the office register. */
export function validateOfficeRow(
  row: Readonly<Record<string, string | undefined>>,
  line: number,
  districts: ReadonlyMap<string, District>,
): RowResult {
  const errors: RowError[] = [];
  const field = (name: string) => (row[name] ?? '').trim().replace(/\s+/g, ' ');
  const fail = (name: string, reason: string) => errors.push({ line, field: name, reason });

  const officeCode = field('office_code');
  if (!/^\d{1,6}$/.test(officeCode))
    fail('office_code', officeCode ? `"${officeCode}" is not a numeric office code` : 'missing');
  const name = field('name');
  if (!name) fail('name', 'missing');
  else if (name.length > 120) fail('name', 'longer than 120 characters');
  else if (!slugify(name)) fail('name', `"${name}" has no letter or digit`);
  const address = field('address');
  if (!address) fail('address', 'missing');
  const rawPostcode = field('postcode');
  const postcode = normalisePostcode(rawPostcode);
  if (!rawPostcode) fail('postcode', 'missing');
  else if (!postcode) fail('postcode', `"${rawPostcode}" is not a UK postcode`);
  const districtCode = field('district_code');
  const district = districts.get(districtCode);
  if (!districtCode) fail('district_code', 'missing');
  else if (!district) fail('district_code', `unknown district "${districtCode}"`);
  else if (district.endDate)
    fail('district_code', `district ${districtCode} (${district.name}) ended on ${district.endDate}`);
  const closedOn = field('closed_on');
  if (closedOn && !isRealDate(closedOn)) fail('closed_on', `"${closedOn}" is not a date (YYYY-MM-DD)`);

  if (errors.length > 0 || !postcode) return { ok: false, errors };
  return {
    ok: true,
    office: {
      id: officeId(officeCode, name),
      officeCode,
      name,
      address,
      postcode,
      districtCode,
      closedOn: closedOn || null,
      line,
    },
  };
}

/**
 * Within one file, two rows naming the same office (same code and name) are an
 * error: the later row is rejected rather than silently overwriting the first.
 */
export function findDuplicateOffices(offices: readonly OfficeRecord[]): { kept: OfficeRecord[]; errors: RowError[] } {
  const seen = new Map<string, OfficeRecord>();
  const errors: RowError[] = [];
  for (const office of offices) {
    const first = seen.get(office.id);
    if (first)
      errors.push({
        line: office.line,
        field: 'name',
        reason: `duplicate of line ${first.line} (${office.officeCode} ${office.name})`,
      });
    else seen.set(office.id, office);
  }
  return { kept: [...seen.values()], errors };
}
