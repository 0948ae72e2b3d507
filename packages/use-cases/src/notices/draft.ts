import type { Cause, Certainty, NoticeDraft, Status } from '@jcp/domain';

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
