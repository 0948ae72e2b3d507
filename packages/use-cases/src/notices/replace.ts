import { noticeOfficeScopes, replaceNotice, replacementOf, findNotice, toNotice, type DB } from '@jcp/db';
import { replacementRefusal, type Notice, type NoticeDraft } from '@jcp/domain';
import type { Kysely } from 'kysely';
import type { Caller } from '../caller.js';
import { assertCovers } from '../offices/scope.js';
import { fail } from '../problems.js';
import type { WriteContext } from '../writes/run-write.js';
import { assertInBusiness, checkedDraft, type NoticeFields } from './draft.js';

export interface NoticeReplaced {
  noticeId: string;
  replacesId: string;
  kind: 'correction' | 'cancellation';
  officeIds: string[];
  changedCount: number;
}

/** Loads a notice to replace, checking it can be replaced and that the caller covers all its offices. */
async function replaceable(db: Kysely<DB>, caller: Caller, noticeId: string) {
  const original = await findNotice(db, noticeId);
  if (!original) throw fail('NOTICE_NOT_FOUND', `No notice ${noticeId}`);
  const replacement = await replacementOf(db, noticeId);
  const refusal = replacementRefusal(original, replacement);
  if (refusal === 'is-cancellation')
    throw fail('NOTICE_IS_CANCELLATION', 'A cancellation cannot be corrected or cancelled; post a new notice instead');
  if (refusal === 'already-replaced')
    throw fail(
      'NOTICE_REPLACED',
      `Notice ${noticeId} was already replaced by ${replacement}; correct or cancel that one`,
      {
        replacedById: replacement,
      },
    );
  const offices = await noticeOfficeScopes(db, noticeId);
  assertCovers(caller, offices);
  return { original: toNotice(original), offices };
}

/** A correction (new content) or cancellation (none) of a notice, settled. */
async function replace(
  { trx, caller, now, settle }: WriteContext,
  noticeId: string,
  kind: 'correction' | 'cancellation',
  content: (original: Notice) => NoticeDraft | null,
  urgent?: boolean,
): Promise<NoticeReplaced> {
  const { original, offices } = await replaceable(trx, caller, noticeId);
  const officeIds = offices.map((o) => o.id);
  const draft = content(original);
  // A replacement names the original's offices: one closed since is refused as a new notice would be.
  assertInBusiness(offices);
  const row = await replaceNotice(
    trx,
    original.id,
    kind,
    draft,
    caller.actor,
    now,
    urgent === undefined ? {} : { urgent },
  );
  const { changes } = await settle(officeIds, { reason: kind, actor: caller.actor });
  return {
    noticeId: row.id,
    replacesId: original.id,
    kind,
    officeIds,
    changedCount: new Set(changes.filter((c) => c.reason === kind).map((c) => c.office_id)).size,
  };
}

/**
 * Corrects a notice: new content in its place, for the same offices. `from` defaults to
 * the original's; urgency to the original's unless given.
 */
export async function correctNotice(
  ctx: WriteContext,
  input: { noticeId: string; fields: NoticeFields; urgent?: boolean | undefined },
): Promise<NoticeReplaced> {
  return replace(
    ctx,
    input.noticeId,
    'correction',
    (original) => checkedDraft(input.fields, ctx.now, original.activeFrom),
    input.urgent,
  );
}

/** Cancels a notice posted in error: it no longer counts, as if never made. */
export async function cancelNotice(ctx: WriteContext, input: { noticeId: string }): Promise<NoticeReplaced> {
  return replace(ctx, input.noticeId, 'cancellation', () => null);
}
