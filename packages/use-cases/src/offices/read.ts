import {
  changesAfter,
  findOffice,
  latestChangeSeq,
  listOffices,
  noticesByOffice,
  officeExists,
  officeHistory,
  officesChangedSince,
  statusesAt,
  type ChangePage,
  type DB,
  type OfficeWithNames,
  type StatusChange,
} from '@jcp/db';
import { effectiveStatus, nextTransition, REGULAR_OPEN, type EffectiveStatus, type Status } from '@jcp/domain';
import type { Kysely } from 'kysely';
import { fail } from '../problems.js';

type Deps = { db: Kysely<DB> };

/** Statuses at `now` of these offices, and when the first of them next changes by itself (epoch ms; null: none due). */
async function statusesWithExpiry(db: Kysely<DB>, ids: readonly string[], now: Date) {
  const notices = await noticesByOffice(db, ids);
  const statuses = new Map<string, EffectiveStatus>();
  let expiresAt: number | null = null;
  for (const [id, list] of notices) {
    statuses.set(id, effectiveStatus(list, now));
    const next = nextTransition(list, now)?.getTime();
    if (next !== undefined && (expiresAt === null || next < expiresAt)) expiresAt = next;
  }
  return { statuses, expiresAt };
}

export interface OfficeLookup {
  office: OfficeWithNames;
  status: EffectiveStatus;
  /** Epoch ms of the next change time alone makes (null: none due). */
  expiresAt: number | null;
}

/** One office and its status at `now` (null: no such office). */
export async function lookupOffice(deps: Deps, officeId: string, now: Date): Promise<OfficeLookup | null> {
  const office = await findOffice(deps.db, officeId);
  if (!office) return null;
  const { statuses, expiresAt } = await statusesWithExpiry(deps.db, [office.id], now);
  const status = statuses.get(office.id);
  if (!status) throw new Error('status missing for a known office');
  return { office, status, expiresAt };
}

export interface StatusDocument {
  /** The change feed position the statuses reflect. */
  cursor: string;
  /** Every office in business, by id, and its status. */
  statuses: Map<string, EffectiveStatus>;
  officeIds: string[];
  expiresAt: number | null;
}

/** Every office's status, with the feed cursor read before the statuses. */
export async function statusDocument(deps: Deps, now: Date): Promise<StatusDocument> {
  // The cursor first: a change committed in between is then both in the document and
  // after the cursor, and a client applying the feed from the cursor converges.
  const cursor = await latestChangeSeq(deps.db);
  const officeIds = (await listOffices(deps.db, {})).map((o) => o.id);
  const { statuses, expiresAt } = await statusesWithExpiry(deps.db, officeIds, now);
  return { cursor, statuses, officeIds, expiresAt };
}

export interface OfficeSearch {
  accountId?: string | undefined;
  districtCode?: string | undefined;
  /** Name, alias (Welsh names too) or postcode / outward code. */
  q?: string | undefined;
  status?: Status | undefined;
  /** Only offices with a change recorded after this instant. */
  changedSince?: Date | undefined;
}

/** Offices with their status at `now`, filtered and searched. */
export async function searchOffices(
  deps: Deps,
  search: OfficeSearch,
  now: Date,
): Promise<{ office: OfficeWithNames; status: EffectiveStatus }[]> {
  let found = await listOffices(deps.db, {
    accountId: search.accountId,
    districtCode: search.districtCode,
    q: search.q,
  });
  if (search.changedSince) {
    const changed = await officesChangedSince(deps.db, search.changedSince);
    found = found.filter((o) => changed.has(o.id));
  }
  const statuses = await statusesAt(
    deps.db,
    found.map((o) => o.id),
    now,
  );
  return found
    .map((office) => ({ office, status: statuses.get(office.id) ?? REGULAR_OPEN }))
    .filter((o) => !search.status || o.status.status === search.status);
}

/** One office's changes, newest first, a page at a time; `next` continues (null: the start was reached). */
export async function officeHistoryPage(
  deps: Deps,
  officeId: string,
  limit: number,
  before?: string,
): Promise<{ changes: StatusChange[]; next: string | null }> {
  if (!(await officeExists(deps.db, officeId))) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
  const changes = await officeHistory(deps.db, officeId, limit, before);
  return { changes, next: changes.length === limit ? (changes.at(-1)?.seq ?? null) : null };
}

/** The change feed after a cursor, oldest first. */
export async function changesPage(
  deps: Deps,
  after: string,
  limit: number,
  officeId?: string,
): Promise<ChangePage & { hasMore: boolean }> {
  const page = await changesAfter(deps.db, after, limit, { officeId });
  return { ...page, hasMore: page.changes.length === limit };
}
