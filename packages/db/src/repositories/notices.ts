import { randomUUID } from 'node:crypto';
import {
  effectiveStatus,
  replacementRefusal,
  validateNoticeDraft,
  type DraftProblem,
  type EffectiveStatus,
  type Notice,
  type NoticeDraft,
  type NoticeKind,
} from '@jcp/domain';
import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import { DbError } from '../errors.js';
import type { DB, StatusNotice } from '../types.js';
import type { OfficeScope } from './offices.js';

type Db = Kysely<DB> | Transaction<DB>;

export class NoticeRejected extends DbError {
  readonly problems: readonly DraftProblem[];
  constructor(message: string, problems: readonly DraftProblem[] = []) {
    super('NOTICE_REJECTED', message);
    this.name = 'NoticeRejected';
    this.problems = problems;
  }
}

export interface NewNotice {
  officeIds: readonly string[];
  draft: NoticeDraft;
  author: string;
  eventId?: string | null;
  kind?: NoticeKind;
  replacesId?: string | null;
  /** Post to X outside the accounts' posting windows, where the account allows it (default false). */
  urgent?: boolean;
}

/** Maps a stored row to the domain's notice. */
export function toNotice(row: StatusNotice): Notice {
  return {
    id: row.id,
    kind: row.kind,
    replacesId: row.replaces_id,
    status: row.status,
    cause: row.cause,
    message: row.message,
    activeFrom: row.active_from,
    activeUntil: row.active_until,
    expectedReopenAt: row.expected_reopen_at,
    reopenCertainty: row.reopen_certainty,
    author: row.author,
    eventId: row.event_id,
    createdAt: row.created_at,
    seq: Number(row.seq),
  };
}

/**
 * Appends one notice for any number of offices (one row, one link per office, one
 * audit entry), inside the caller's transaction. Unknown or permanently closed
 * offices refuse the whole notice: nothing is written.
 *
 * The checks below are guards, not the rules: the notice rule is the domain's
 * validateNoticeDraft, which the use cases apply first (checkedDraft: NOTICE_REJECTED, with
 * the request's field names), and the refusal of an office closed for good is the use cases'
 * (assertInBusiness, packages/use-cases/src/notices/draft.ts), as are unknown offices
 * (OFFICE_NOT_FOUND, UNKNOWN_OFFICES). They stay here because notices are append-only (the
 * table refuses updates and deletes): a notice that breaks the rule, or names an office that
 * does not exist or is closed for good, could never be repaired, and every status derived
 * from it would be wrong, whoever wrote it (a use case, the scheduler, an import, a test).
 */
export async function appendNotice(trx: Transaction<DB>, input: NewNotice, now: Date): Promise<StatusNotice> {
  const problems = validateNoticeDraft(input.draft);
  if (problems.length > 0) throw new NoticeRejected('the notice is not valid', problems);
  const officeIds = [...new Set(input.officeIds)];
  if (officeIds.length === 0) throw new NoticeRejected('a notice needs at least one office');
  const found = await trx
    .selectFrom('offices')
    .select(['id', 'closed_permanently_on'])
    .where('id', 'in', officeIds)
    .execute();
  const known = new Map(found.map((o) => [o.id, o]));
  const unknown = officeIds.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new NoticeRejected(
      `unknown office(s): ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''}`,
    );
  const gone = found.filter((o) => o.closed_permanently_on !== null).map((o) => o.id);
  if (gone.length > 0) throw new NoticeRejected(`office(s) closed permanently: ${gone.slice(0, 10).join(', ')}`);
  const d = input.draft;
  const row = await trx
    .insertInto('status_notices')
    .values({
      id: randomUUID(),
      kind: input.kind ?? 'notice',
      replaces_id: input.replacesId ?? null,
      status: d.status,
      cause: d.cause,
      message: d.message,
      active_from: d.activeFrom,
      active_until: d.activeUntil,
      expected_reopen_at: d.expectedReopenAt,
      reopen_certainty: d.reopenCertainty,
      author: input.author,
      event_id: input.eventId ?? null,
      created_at: now,
      urgent: input.urgent ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('status_notice_offices')
    .values(officeIds.map((office_id) => ({ notice_id: row.id, office_id })))
    .execute();
  await appendAudit(trx, [
    {
      actor: input.author,
      action: `notice.${row.kind}`,
      entityType: 'notice',
      entityId: row.id,
      after: { ...d, kind: row.kind, replacesId: row.replaces_id, urgent: row.urgent, offices: officeIds.length },
    },
  ]);
  return row;
}

/** Every notice of each office (including ones a correction or cancellation voids). */
export async function noticesByOffice(db: Db, officeIds: readonly string[]): Promise<Map<string, Notice[]>> {
  const result = new Map<string, Notice[]>(officeIds.map((id) => [id, []]));
  if (officeIds.length === 0) return result;
  const rows = await db
    .selectFrom('status_notice_offices as l')
    .innerJoin('status_notices as n', 'n.id', 'l.notice_id')
    .selectAll('n')
    .select('l.office_id')
    .where('l.office_id', 'in', officeIds)
    .orderBy('n.seq')
    .execute();
  for (const row of rows) result.get(row.office_id)?.push(toNotice(row));
  return result;
}

/** The effective status of each office at `at`. */
export async function statusesAt(
  db: Db,
  officeIds: readonly string[],
  at: Date,
): Promise<Map<string, EffectiveStatus>> {
  const notices = await noticesByOffice(db, officeIds);
  return new Map([...notices].map(([id, list]) => [id, effectiveStatus(list, at)]));
}

/**
 * Corrects (new content) or cancels a notice. The replacement covers exactly the
 * original's offices; a cancellation repeats the original's content, which it voids.
 * A notice already corrected or cancelled cannot be replaced again: replace the
 * newest one instead (the caller's conflict, a 409). The replacement keeps the
 * original's urgency unless `options.urgent` is given.
 */
export async function replaceNotice(
  trx: Transaction<DB>,
  originalId: string,
  kind: 'correction' | 'cancellation',
  draft: NoticeDraft | null,
  author: string,
  now: Date,
  options: { urgent?: boolean } = {},
): Promise<StatusNotice> {
  const original = await trx
    .selectFrom('status_notices')
    .selectAll()
    .where('id', '=', originalId)
    .forUpdate()
    .executeTakeFirst();
  // A guard, not the rule (replacementRefusal, the domain's, which the use cases apply first
  // with their problems): checked again here under the original's row lock, so that two
  // replacements at once never both land, whoever calls (events/end.ts cancels scheduled
  // notices without asking the use case's question).
  if (!original) throw new NoticeRejected(`no notice ${originalId}`);
  const replaced = await replacementOf(trx, originalId);
  const refusal = replacementRefusal(original, replaced);
  if (refusal === 'is-cancellation') throw new NoticeRejected('a cancellation cannot be corrected or cancelled');
  if (refusal === 'already-replaced')
    throw new NoticeRejected(`notice ${originalId} was already replaced by ${replaced}`);
  const offices = await trx
    .selectFrom('status_notice_offices')
    .select('office_id')
    .where('notice_id', '=', originalId)
    .execute();
  const content: NoticeDraft = draft ?? toNotice(original);
  return appendNotice(
    trx,
    {
      officeIds: offices.map((o) => o.office_id),
      draft: content,
      author,
      eventId: original.event_id,
      kind,
      replacesId: originalId,
      urgent: options.urgent ?? original.urgent,
    },
    now,
  );
}

export async function findNotice(db: Db, id: string): Promise<StatusNotice | undefined> {
  return db.selectFrom('status_notices').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The id of the correction or cancellation that replaced a notice, if any. */
export async function replacementOf(db: Db, noticeId: string): Promise<string | undefined> {
  const row = await db.selectFrom('status_notices').select('id').where('replaces_id', '=', noticeId).executeTakeFirst();
  return row?.id;
}

/** The ids of a notice's offices, in order. */
export async function noticeOfficeIds(db: Db, noticeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('status_notice_offices')
    .select('office_id')
    .where('notice_id', '=', noticeId)
    .orderBy('office_id')
    .execute();
  return rows.map((r) => r.office_id);
}

/** A notice's offices with their district and account (who may act on them). */
export async function noticeOfficeScopes(db: Db, noticeId: string): Promise<OfficeScope[]> {
  return db
    .selectFrom('status_notice_offices as l')
    .innerJoin('offices as o', 'o.id', 'l.office_id')
    .select(['o.id', 'o.district_code', 'o.account_id', 'o.closed_permanently_on'])
    .where('l.notice_id', '=', noticeId)
    .execute();
}
