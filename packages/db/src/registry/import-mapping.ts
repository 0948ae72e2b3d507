import { isXUsername, slugify, type RowError } from '@jcp/domain';
import { sql, type Kysely } from 'kysely';
import { appendAudit, type AuditRecord } from '../audit.js';
import type { DB } from '../types.js';
import { parseCsv } from './csv.js';
import { notifyOfficesChanged } from '../repositories/status.js';
import { liftStatementTimeout } from '../connection.js';
import { takeLock } from '../locks.js';

export interface MappingReport {
  total: number;
  accountsCreated: number;
  accountsUpdated: number;
  officesMoved: number;
  rejected: RowError[];
}

const LANGUAGES = /^en(\s*[;| ]\s*cy)?$|^cy\s*[;| ]\s*en$/;

interface AccountSpec {
  id: string;
  handle: string;
  name: string;
  languages: string[];
  line: number;
}

/**
 * Imports the real office-to-account mapping: a CSV with columns
 * `office_id,handle,account_name,languages` (languages `en` or `en;cy`). Accounts
 * are keyed by handle; each listed office moves to its handle's account. Offices
 * not listed keep their account. Rows with errors are reported; the rest apply.
 */
export async function importAccountMapping(db: Kysely<DB>, text: string, actor: string): Promise<MappingReport> {
  const rows = parseCsv(text, ['office_id', 'handle', 'account_name'], 'mapping file');
  const rejected: RowError[] = [];
  return db.transaction().execute(async (trx) => {
    // A whole register in one transaction, perhaps after another importer's: no statement deadline.
    await liftStatementTimeout(trx);
    await takeLock(trx, 'registry');
    const existing = new Map((await trx.selectFrom('accounts').selectAll().execute()).map((c) => [c.id, c]));
    // A real handle that a placeholder already carries takes that account over.
    const idByHandle = new Map([...existing.values()].map((c) => [c.handle.toLowerCase(), c.id]));
    const offices = new Map(
      (await trx.selectFrom('offices').select(['id', 'account_id']).execute()).map((o) => [o.id, o]),
    );
    const specs = new Map<string, AccountSpec>();
    const assignments = new Map<string, string>();
    for (const { line, fields } of rows) {
      const officeId = fields.office_id?.trim() ?? '';
      // An X username (X's rule, isXUsername), written with or without its @.
      const given = (fields.handle?.trim() ?? '').replace(/^@/, '');
      const handle = isXUsername(given) ? given : undefined;
      const name = fields.account_name?.trim() ?? '';
      const languagesText = fields.languages?.trim() || 'en';
      const errors: RowError[] = [];
      if (!offices.has(officeId))
        errors.push({ line, field: 'office_id', reason: officeId ? `unknown office "${officeId}"` : 'missing' });
      if (!handle) errors.push({ line, field: 'handle', reason: 'not an X handle (1-15 letters, digits or _)' });
      else if (!slugify(handle)) errors.push({ line, field: 'handle', reason: 'a handle needs a letter or digit' });
      if (!name) errors.push({ line, field: 'account_name', reason: 'missing' });
      if (!LANGUAGES.test(languagesText)) errors.push({ line, field: 'languages', reason: 'must be "en" or "en;cy"' });
      if (assignments.has(officeId))
        errors.push({ line, field: 'office_id', reason: `office "${officeId}" is listed twice` });
      if (errors.length > 0 || !handle) {
        rejected.push(...errors);
        continue;
      }
      const id = idByHandle.get(handle.toLowerCase()) ?? slugify(handle);
      const languages = languagesText.includes('cy') ? ['en', 'cy'] : ['en'];
      const spec = specs.get(id);
      if (spec && (spec.name !== name || spec.languages.join() !== languages.join())) {
        rejected.push({
          line,
          field: 'account_name',
          reason: `handle @${handle} has a different name or languages on line ${spec.line}`,
        });
        continue;
      }
      specs.set(id, spec ?? { id, handle, name, languages, line });
      assignments.set(officeId, id);
    }

    const audit: AuditRecord[] = [];
    let accountsCreated = 0;
    let accountsUpdated = 0;
    for (const spec of specs.values()) {
      const current = existing.get(spec.id);
      const after = { handle: spec.handle, name: spec.name, languages: spec.languages, is_placeholder: false };
      if (!current) {
        await trx
          .insertInto('accounts')
          .values({ id: spec.id, ...after })
          .execute();
        audit.push({ actor, action: 'account.created', entityType: 'account', entityId: spec.id, after });
        accountsCreated++;
      } else if (
        current.handle !== spec.handle ||
        current.name !== spec.name ||
        current.languages.join() !== spec.languages.join() ||
        current.is_placeholder
      ) {
        await trx
          .updateTable('accounts')
          .set({ ...after, updated_at: sql`now()` })
          .where('id', '=', spec.id)
          .execute();
        const before = {
          handle: current.handle,
          name: current.name,
          languages: current.languages,
          is_placeholder: current.is_placeholder,
        };
        audit.push({ actor, action: 'account.updated', entityType: 'account', entityId: spec.id, before, after });
        accountsUpdated++;
      }
    }
    let officesMoved = 0;
    for (const [officeId, accountId] of assignments) {
      const office = offices.get(officeId);
      if (!office || office.account_id === accountId) continue;
      await trx
        .updateTable('offices')
        .set({ account_id: accountId, updated_at: sql`now()` })
        .where('id', '=', officeId)
        .execute();
      audit.push({
        actor,
        action: 'office.account_changed',
        entityType: 'office',
        entityId: officeId,
        before: { account_id: office.account_id },
        after: { account_id: accountId },
      });
      officesMoved++;
    }
    await appendAudit(trx, audit);
    if (audit.length > 0) await notifyOfficesChanged(trx);
    rejected.sort((a, b) => a.line - b.line);
    return { total: rows.length, accountsCreated, accountsUpdated, officesMoved, rejected };
  });
}
