import {
  addEventOffices,
  appendNotice,
  accountExists,
  districtExists,
  findOfficeScope,
  openOfficeScopes,
  type DB,
} from '@jcp/db';
import type { EffectiveStatus } from '@jcp/domain';
import type { Kysely } from 'kysely';
import { openEvent } from '../events/owners.js';
import { fail } from '../problems.js';
import { assertCovers, officesByIds, type ScopedOffice } from '../offices/scope.js';
import type { WriteContext } from '../writes/run-write.js';
import { assertInBusiness, checkedDraft, type NoticeFields } from './draft.js';

/** Whether an If-Match header names this ETag (or `*`). */
export function ifMatches(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag;
  });
}

export interface OfficeNoticeInput {
  officeId: string;
  fields: NoticeFields;
  urgent: boolean;
  /** Tie the notice to this disruption event (the office joins it). */
  eventId?: string | undefined;
  /** The If-Match header: refused (412) unless the office's ETag is one it names. */
  ifMatch?: string | undefined;
}

export interface OfficeNoticeDeps {
  /** The ETag the API gives the office now (null: no such office): what If-Match is checked against. */
  officeETag: (db: Kysely<DB>, officeId: string, now: Date) => Promise<string | null>;
}

export interface OfficeNoticePosted {
  noticeId: string;
  officeId: string;
  status: EffectiveStatus;
  /** The office's new ETag. */
  etag: string;
}

/** Sets the status of one office: a manager of its district or account, or an admin. */
export async function postOfficeNotice(
  { trx, caller, now, settle }: WriteContext,
  deps: OfficeNoticeDeps,
  input: OfficeNoticeInput,
): Promise<OfficeNoticePosted> {
  const office = await findOfficeScope(trx, input.officeId);
  if (!office) throw fail('OFFICE_NOT_FOUND', `No office ${input.officeId}`);
  assertCovers(caller, [office]);
  if (input.ifMatch !== undefined) {
    const etag = (await deps.officeETag(trx, office.id, now)) ?? '';
    if (!ifMatches(input.ifMatch, etag)) {
      throw fail(
        'STATUS_CHANGED',
        'The office changed since you read it; read it again, check, then retry with its new ETag',
        { currentETag: etag },
      );
    }
  }
  const { eventId } = input;
  if (eventId) {
    await openEvent(trx, eventId, caller);
    await addEventOffices(trx, eventId, [office.id], now);
  }
  const draft = checkedDraft(input.fields, now);
  assertInBusiness([office]);
  const notice = await appendNotice(
    trx,
    { officeIds: [office.id], author: caller.actor, eventId: eventId ?? null, urgent: input.urgent, draft },
    now,
  );
  const { statuses } = await settle([office.id], { reason: 'notice', actor: caller.actor });
  const etag = await deps.officeETag(trx, office.id, now);
  const status = statuses.get(office.id);
  if (!etag || !status) throw new Error('a known office always renders');
  return { noticeId: notice.id, officeId: office.id, status, etag };
}

/** The offices a bulk notice is for: exactly one of a list, an account, a district or a disruption event. */
export type BulkTarget =
  { offices: readonly string[] } | { account: string } | { district: string } | { event: string };

export interface BulkNoticeInput {
  target: BulkTarget;
  fields: NoticeFields;
  urgent: boolean;
}

export interface BulkNoticePosted {
  noticeId: string;
  officeIds: string[];
  /** Offices whose current status changed now (a scheduled notice changes none yet). */
  changedCount: number;
}

async function bulkTargets(ctx: WriteContext, target: BulkTarget): Promise<ScopedOffice[]> {
  const { trx, caller } = ctx;
  if ('offices' in target) return officesByIds(trx, target.offices);
  if ('account' in target) {
    if (!(await accountExists(trx, target.account))) throw fail('ACCOUNT_NOT_FOUND', `No account ${target.account}`);
    return openOfficeScopes(trx, { accountIds: [target.account] });
  }
  if ('district' in target) {
    if (!(await districtExists(trx, target.district)))
      throw fail('DISTRICT_NOT_FOUND', `No district ${target.district}`);
    return openOfficeScopes(trx, { districtCodes: [target.district] });
  }
  await openEvent(trx, target.event, caller);
  return openOfficeScopes(trx, { eventId: target.event });
}

/**
 * One notice for many offices at once, all or nothing: an office outside the caller's
 * scope, an unknown office, one closed for good or an invalid notice refuses the whole request.
 */
export async function postBulkNotice(ctx: WriteContext, input: BulkNoticeInput): Promise<BulkNoticePosted> {
  const { trx, caller, now, settle } = ctx;
  const targets = await bulkTargets(ctx, input.target);
  if (targets.length === 0) throw fail('NO_OFFICES', 'The target has no open offices');
  assertCovers(caller, targets);
  const officeIds = targets.map((o) => o.id);
  const eventId = 'event' in input.target ? input.target.event : null;
  const draft = checkedDraft(input.fields, now);
  // Only a list of offices can name one closed for good (an account, a district or an event
  // gives those in business).
  assertInBusiness(targets);
  const notice = await appendNotice(
    trx,
    { officeIds, author: caller.actor, eventId, urgent: input.urgent, draft },
    now,
  );
  const { changes } = await settle(officeIds, { reason: 'notice', actor: caller.actor });
  const changed = new Set(changes.filter((c) => c.reason === 'notice').map((c) => c.office_id));
  return { noticeId: notice.id, officeIds, changedCount: changed.size };
}
