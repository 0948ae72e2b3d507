// Office aliases (other names, Welsh ones included) from the aliases file.
import type { RowError } from '@jcp/domain';
import type { Transaction } from 'kysely';
import type { AuditRecord } from '../audit.js';
import type { DB } from '../types.js';
import { parseCsv } from './csv.js';

/** Adds aliases that are not there yet; aliases added by other means are left alone. */
export async function importAliases(
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
