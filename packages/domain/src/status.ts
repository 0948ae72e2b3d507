/**
 * Effective status of an office, derived from its append-only notices; never stored.
 *
 * Rules:
 * - A notice is made at `createdAt` and takes effect at `activeFrom`, but never before
 *   it was made: its start is max(activeFrom, createdAt). A backdated notice does not
 *   rewrite what the status was before anyone said so.
 * - The notice that started most recently supersedes every notice that started before
 *   it, for good: when it ends, the office is open again, earlier notices do not come
 *   back. Ties go to the later-made notice.
 * - A notice ends at `activeUntil` (exclusive) or runs until further notice.
 * - A correction stands in its original's place (same made-at time and order) with its
 *   own content; a cancellation voids its original and says nothing itself. Both are
 *   retroactive: the derivation is always "as known now".
 * - A closure or delay whose expected reopening has passed, with no newer notice,
 *   stays in force and is flagged stale: somebody must confirm or reopen.
 */

export const STATUSES = ['open', 'closed', 'delayed'] as const;
export type Status = (typeof STATUSES)[number];

export const CAUSES = [
  'weather',
  'flooding',
  'power_failure',
  'heating_failure',
  'building',
  'staffing',
  'security',
  'industrial_action',
  'other',
] as const;
export type Cause = (typeof CAUSES)[number];

export const CERTAINTIES = ['confirmed', 'expected', 'unknown'] as const;
export type Certainty = (typeof CERTAINTIES)[number];

export type NoticeKind = 'notice' | 'correction' | 'cancellation';

/** A stored notice: its content (a draft that was accepted) and where it stands. */
export interface Notice extends NoticeDraft {
  id: string;
  kind: NoticeKind;
  /** For a correction or cancellation: the notice it replaces. */
  replacesId: string | null;
  author: string;
  eventId: string | null;
  createdAt: Date;
  /** Total order of creation (a sequence); breaks ties of equal timestamps. */
  seq: number;
}

export interface EffectiveStatus {
  status: Status;
  /** The notice in force, or null when the office is on its regular hours. */
  noticeId: string | null;
  cause: Cause | null;
  message: string | null;
  /** When the notice in force took effect. */
  since: Date | null;
  until: Date | null;
  expectedReopenAt: Date | null;
  reopenCertainty: Certainty;
  author: string | null;
  eventId: string | null;
  stale: boolean;
}

export const REGULAR_OPEN: EffectiveStatus = Object.freeze({
  status: 'open',
  noticeId: null,
  cause: null,
  message: null,
  since: null,
  until: null,
  expectedReopenAt: null,
  reopenCertainty: 'unknown',
  author: null,
  eventId: null,
  stale: false,
});

interface Standing {
  notice: Notice;
  start: number;
  order: number;
}

/**
 * The notices that stand (neither cancelled nor corrected), each with its start and
 * the order it takes among the others (a correction inherits its root's).
 */
export function standingNotices(notices: readonly Notice[]): Standing[] {
  const byId = new Map(notices.map((n) => [n.id, n]));
  const replaced = new Set<string>();
  for (const n of notices) if (n.kind !== 'notice' && n.replacesId) replaced.add(n.replacesId);
  const root = (n: Notice): Notice => {
    let current = n;
    for (let guard = 0; current.kind === 'correction' && current.replacesId && guard < 1000; guard++) {
      const parent = byId.get(current.replacesId);
      if (!parent) break;
      current = parent;
    }
    return current;
  };
  const standing: Standing[] = [];
  for (const n of notices) {
    if (n.kind === 'cancellation' || replaced.has(n.id)) continue;
    const origin = root(n);
    standing.push({
      notice: n,
      start: Math.max(n.activeFrom.getTime(), origin.createdAt.getTime()),
      order: origin.seq,
    });
  }
  return standing;
}

function latestStarted(standing: readonly Standing[], at: number): Standing | undefined {
  let best: Standing | undefined;
  for (const s of standing) {
    if (s.start > at) continue;
    if (!best || s.start > best.start || (s.start === best.start && s.order > best.order)) best = s;
  }
  return best;
}

/** The effective status at instant `at`, from all notices of one office. */
export function effectiveStatus(notices: readonly Notice[], at: Date): EffectiveStatus {
  const t = at.getTime();
  const current = latestStarted(standingNotices(notices), t);
  if (!current) return REGULAR_OPEN;
  const n = current.notice;
  if (n.activeUntil && n.activeUntil.getTime() <= t) return REGULAR_OPEN;
  if (n.status === 'open') {
    return {
      ...REGULAR_OPEN,
      noticeId: n.id,
      message: n.message,
      since: new Date(current.start),
      until: n.activeUntil,
      author: n.author,
      eventId: n.eventId,
    };
  }
  return {
    status: n.status,
    noticeId: n.id,
    cause: n.cause,
    message: n.message,
    since: new Date(current.start),
    until: n.activeUntil,
    expectedReopenAt: n.expectedReopenAt,
    reopenCertainty: n.reopenCertainty,
    author: n.author,
    eventId: n.eventId,
    stale: n.expectedReopenAt !== null && n.expectedReopenAt.getTime() <= t,
  };
}

/**
 * The first instant after `after` at which the effective status may change by the
 * passing of time alone (a scheduled notice starts, one ends, a reopening time
 * passes and the closure turns stale), or null if nothing is due. Schedulers sleep
 * until then; notices made later reschedule them.
 */
export function nextTransition(notices: readonly Notice[], after: Date): Date | null {
  const t = after.getTime();
  let next = Infinity;
  const consider = (ms: number | undefined) => {
    if (ms !== undefined && ms > t && ms < next) next = ms;
  };
  const standing = standingNotices(notices);
  for (const s of standing) consider(s.start);
  const current = latestStarted(standing, t);
  if (current) {
    consider(current.notice.activeUntil?.getTime());
    if (current.notice.status !== 'open') consider(current.notice.expectedReopenAt?.getTime());
  }
  return next === Infinity ? null : new Date(next);
}

/** Two effective statuses that a reader would see as the same (nothing to broadcast). */
export function sameStatus(a: EffectiveStatus, b: EffectiveStatus): boolean {
  const time = (d: Date | null) => d?.getTime() ?? null;
  return (
    a.status === b.status &&
    a.noticeId === b.noticeId &&
    a.stale === b.stale &&
    a.cause === b.cause &&
    a.message === b.message &&
    time(a.until) === time(b.until) &&
    time(a.expectedReopenAt) === time(b.expectedReopenAt) &&
    a.reopenCertainty === b.reopenCertainty
  );
}

export interface NoticeDraft {
  status: Status;
  cause: Cause | null;
  message: string | null;
  activeFrom: Date;
  activeUntil: Date | null;
  expectedReopenAt: Date | null;
  reopenCertainty: Certainty;
}

export interface DraftProblem {
  field: keyof NoticeDraft;
  reason: string;
}

/** Checks a notice before it is written; an empty list means it is valid. */
export function validateNoticeDraft(d: NoticeDraft): DraftProblem[] {
  const problems: DraftProblem[] = [];
  if (d.activeUntil && d.activeUntil.getTime() <= d.activeFrom.getTime()) {
    problems.push({ field: 'activeUntil', reason: 'must be after the notice starts' });
  }
  if (d.status === 'open') {
    if (d.expectedReopenAt)
      problems.push({ field: 'expectedReopenAt', reason: 'an open office has no reopening time' });
  } else {
    if (!d.cause) problems.push({ field: 'cause', reason: `a ${d.status} office needs a cause` });
    if (d.status === 'delayed' && !d.expectedReopenAt)
      problems.push({ field: 'expectedReopenAt', reason: 'a delay needs the time the office opens' });
    if (d.expectedReopenAt && d.expectedReopenAt.getTime() <= d.activeFrom.getTime()) {
      problems.push({ field: 'expectedReopenAt', reason: 'must be after the notice starts' });
    }
  }
  if (!d.expectedReopenAt && d.reopenCertainty !== 'unknown') {
    problems.push({ field: 'reopenCertainty', reason: 'must be unknown when no reopening time is given' });
  }
  if (d.expectedReopenAt && d.reopenCertainty === 'unknown') {
    problems.push({ field: 'reopenCertainty', reason: 'must be confirmed or expected when a reopening time is given' });
  }
  if (d.message !== null && d.message.length > 1000)
    problems.push({ field: 'message', reason: 'at most 1000 characters' });
  return problems;
}

/**
 * Why a notice cannot be corrected or cancelled, or null when it can: a cancellation is
 * final, and a notice is replaced once (its replacement is what to correct or cancel next).
 */
export function replacementRefusal(
  original: { kind: NoticeKind },
  replacedById: string | null | undefined,
): 'is-cancellation' | 'already-replaced' | null {
  if (original.kind === 'cancellation') return 'is-cancellation';
  if (replacedById) return 'already-replaced';
  return null;
}
