import type { Kysely, Transaction } from 'kysely';
import type { DB } from './types.js';

export interface AuditRecord {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** Appends audit entries in one statement (the table refuses updates and deletes). */
export async function appendAudit(db: Kysely<DB> | Transaction<DB>, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      records.map((r) => ({
        actor: r.actor,
        action: r.action,
        entity_type: r.entityType,
        entity_id: r.entityId,
        before: r.before === undefined ? null : JSON.stringify(r.before),
        after: r.after === undefined ? null : JSON.stringify(r.after),
      })),
    )
    .execute();
}
