import { readFile } from 'node:fs/promises';
import { districtAccountId, type RowError } from '@jcp/domain';
import { sql, type Kysely } from 'kysely';
import { appendAudit, type AuditRecord } from '../audit.js';
import { defaultRegistryFiles } from '../paths.js';
import { notifyOfficesChanged } from '../repositories/status.js';
import type { DB, Office } from '../types.js';
import { importAliases } from './aliases.js';
import { changedFields, fieldsOf, matchOffices, validateOffices, type OfficeFields } from './office-changes.js';
import { ensureDistrictAccounts, syncReferenceData } from './reference-data.js';
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
  accountsCreated: number;
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
    const accountsCreated = await ensureDistrictAccounts(trx, newDistricts, districts, actor);

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
        inserts.push({ id: record.id, ...next, account_id: districtAccountId(record.districtCode) });
        audit.push({ actor, action: 'office.created', entityType: 'office', entityId: record.id, after: next });
        continue;
      }
      const before = fieldsOf(office);
      const diff = changedFields(before, next);
      if (Object.keys(diff).length === 0) {
        unchanged++;
        continue;
      }
      // An office that moves district follows it only if it was on its district's default account.
      const account_id =
        diff.district_code && office.account_id === districtAccountId(office.district_code)
          ? districtAccountId(record.districtCode)
          : office.account_id;
      await trx
        .updateTable('offices')
        .set({ ...diff, account_id, updated_at: sql`now()` })
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
      accountsCreated,
      aliasesAdded,
      rejected,
      closuresSkipped: missing.length > 0 ? closuresSkipped : null,
    };
  });
}
