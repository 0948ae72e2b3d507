import {
  validateNoticeDraft,
  type Cause,
  type Certainty,
  type DraftProblem,
  type NoticeDraft,
  type Status,
} from '@jcp/domain';
import { fail, type Problem } from '../problems.js';

/** The notice fields a request gives (instants as ISO text); what it leaves out gets the defaults below. */
export interface NoticeFields {
  status: Status;
  cause?: Cause | undefined;
  message?: string | undefined;
  from?: string | undefined;
  until?: string | undefined;
  expectedReopenAt?: string | undefined;
  reopenCertainty?: Certainty | undefined;
}

/** The notice fields of a request body as a draft; `defaults` fill what the body leaves out. */
export function toDraft(b: NoticeFields, now: Date, defaultFrom: Date = now): NoticeDraft {
  const expectedReopenAt = b.expectedReopenAt ? new Date(b.expectedReopenAt) : null;
  return {
    status: b.status,
    cause: b.cause ?? null,
    message: b.message ?? null,
    activeFrom: b.from ? new Date(b.from) : defaultFrom,
    activeUntil: b.until ? new Date(b.until) : null,
    expectedReopenAt,
    reopenCertainty: b.reopenCertainty ?? (expectedReopenAt ? 'expected' : 'unknown'),
  };
}

/** Notice fields as the API names them, where the domain's names differ. */
const API_FIELD: Partial<Record<keyof NoticeDraft, string>> = { activeFrom: 'from', activeUntil: 'until' };

/** NOTICE_REJECTED, naming each field (as the request names it) that breaks the notice rule. */
export function noticeRejected(message: string, problems: readonly DraftProblem[] = []): Problem {
  return fail('NOTICE_REJECTED', message, {
    errors: problems.map((p) => ({ path: `/${API_FIELD[p.field] ?? p.field}`, message: p.reason })),
  });
}

/**
 * NOTICE_REJECTED when any of the offices is closed for good (`closed_permanently_on` set):
 * nobody can be told anything of an office that is gone, and a notice, append-only, could never
 * be taken back. The whole notice is refused; the detail names up to ten of them. The repository
 * (appendNotice) keeps the same check as a guard, for writers that do not come through here.
 */
export function assertInBusiness(offices: readonly { id: string; closed_permanently_on: string | null }[]): void {
  const gone = offices.filter((o) => o.closed_permanently_on !== null).map((o) => o.id);
  if (gone.length > 0) throw noticeRejected(`office(s) closed permanently: ${gone.slice(0, 10).join(', ')}`);
}

/** The draft of a request's notice fields (toDraft), or NOTICE_REJECTED when it breaks the notice rule (the domain's validateNoticeDraft). */
export function checkedDraft(b: NoticeFields, now: Date, defaultFrom: Date = now): NoticeDraft {
  const draft = toDraft(b, now, defaultFrom);
  const problems = validateNoticeDraft(draft);
  if (problems.length > 0) throw noticeRejected('the notice is not valid', problems);
  return draft;
}
