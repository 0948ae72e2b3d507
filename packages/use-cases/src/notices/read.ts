import {
  findNotice,
  noticeOfficeIds,
  replacementOf,
  staleClosureCandidates,
  statusesAt,
  toNotice,
  type DB,
} from '@jcp/db';
import type { EffectiveStatus, Notice } from '@jcp/domain';
import type { Kysely } from 'kysely';
import { covers, type Caller } from '../caller.js';
import { fail } from '../problems.js';

export interface NoticeRead {
  notice: Notice;
  urgent: boolean;
  replacedById: string | null;
  officeIds: string[];
}

/** One notice, its offices and what replaced it (public). */
export async function readNotice(deps: { db: Kysely<DB> }, noticeId: string): Promise<NoticeRead> {
  const row = await findNotice(deps.db, noticeId);
  if (!row) throw fail('NOTICE_NOT_FOUND', `No notice ${noticeId}`);
  const [officeIds, replacement] = await Promise.all([
    noticeOfficeIds(deps.db, row.id),
    replacementOf(deps.db, row.id),
  ]);
  return { notice: toNotice(row), urgent: row.urgent, replacedById: replacement ?? null, officeIds };
}

export interface StaleClosure {
  office: { id: string; name: string; district_code: string; account_id: string };
  status: EffectiveStatus;
}

/**
 * Stale closures the caller can act on: the expected reopening has passed and nobody
 * has confirmed or reopened. Managers see the offices of their districts and accounts,
 * admins every office.
 */
export async function staleClosures(deps: { db: Kysely<DB> }, caller: Caller, now: Date): Promise<StaleClosure[]> {
  // Only offices with a notice can be stale; the materialised table narrows the search.
  const candidates = await staleClosureCandidates(deps.db, now);
  const inScope = candidates.filter((o) => covers(caller, o));
  const statuses = await statusesAt(
    deps.db,
    inScope.map((o) => o.id),
    now,
  );
  return inScope.flatMap((office) => {
    const status = statuses.get(office.id);
    return status?.stale ? [{ office, status }] : [];
  });
}
