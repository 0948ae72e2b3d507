import {
  changesAfter,
  findOffice,
  noticesByOffice,
  officeExists,
  officeHistory,
  type ChangePage,
  type DB,
  type OfficeWithNames,
  type StatusChange,
} from '@jcp/db';
import {
  effectiveStatus,
  nextTransition,
  searchOffices as searchOfficeIndex,
  type EffectiveStatus,
  type SearchHit,
  type SearchReason,
  type Status,
} from '@jcp/domain';
import type { Kysely } from 'kysely';
import { fail } from '../problems.js';
import type { OfficeSnapshot, OfficeView } from './view.js';

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

/**
 * One office and its status at `now`, from the database (null: no such office): inside a
 * write's transaction (the ETag a write checks). Reads use `readOffice`, from the view.
 */
export async function lookupOffice(deps: Deps, officeId: string, now: Date): Promise<OfficeLookup | null> {
  const office = await findOffice(deps.db, officeId);
  if (!office) return null;
  const { statuses, expiresAt } = await statusesWithExpiry(deps.db, [office.id], now);
  const status = statuses.get(office.id);
  if (!status) throw new Error('status missing for a known office');
  return { office, status, expiresAt };
}

type ViewDeps = { view: OfficeView };

/** The earlier of two expiry times (epoch ms; null: never). */
const earlier = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/** One office and its status at `now`, from the view (null: no such office). */
export async function readOffice(deps: ViewDeps, officeId: string, now: Date): Promise<OfficeLookup | null> {
  const snapshot = await deps.view.snapshot();
  const office = snapshot.byId.get(officeId);
  if (!office) return null;
  return { office, ...snapshot.statusAt(office.id, now) };
}

export interface StatusDocument {
  /** The change feed position the statuses reflect (at least every change up to it). */
  cursor: string;
  /** Every office in business, by id, and its status. */
  statuses: Map<string, EffectiveStatus>;
  officeIds: string[];
  expiresAt: number | null;
}

/** Every office's status, with the feed cursor the view reflects. */
export async function statusDocument(deps: ViewDeps, now: Date): Promise<StatusDocument> {
  // A change after the cursor may be in the document too: a client applying the feed from
  // the cursor converges all the same.
  const snapshot = await deps.view.snapshot();
  const statuses = new Map<string, EffectiveStatus>();
  let expiresAt: number | null = null;
  for (const office of snapshot.inBusiness) {
    const at = snapshot.statusAt(office.id, now);
    statuses.set(office.id, at.status);
    expiresAt = earlier(expiresAt, at.expiresAt);
  }
  return { cursor: snapshot.cursor, statuses, officeIds: snapshot.inBusiness.map((o) => o.id), expiresAt };
}

export interface OfficeSearch {
  accountId?: string | undefined;
  districtCode?: string | undefined;
  /** Name, alias (Welsh names too) or postcode / outward code. */
  q?: string | undefined;
  status?: Status | undefined;
  /** Only offices with a change recorded after this instant. */
  changedSince?: Date | undefined;
  /** At most this many offices (unset: all). */
  limit?: number | undefined;
  /** Where the previous page ended (its `next`). */
  cursor?: string | undefined;
}

export interface OfficeFound {
  office: OfficeWithNames;
  status: EffectiveStatus;
  /** How a search matched it (searches only). */
  match?: { reason: SearchReason; matched: string; rank: number };
}

export interface OfficePage {
  offices: OfficeFound[];
  /** Offices that match in all, on every page. */
  total: number;
  /** The cursor of the next page: the last office id of this one (null: this is the last). */
  next: string | null;
  /** When time alone next changes an answer on this page (epoch ms; null: never). */
  expiresAt: number | null;
}

/** A search answers at most this many offices, best first. */
export const SEARCH_RESULTS_MAX = 50;

/**
 * Offices with their status at `now`, filtered and searched, from the view, a page at a
 * time. A list is ordered by id; a search (`q`, the office matcher: docs/search.md) by
 * relevance, each office with how it matched. The cursor is the previous page's last office.
 */
export async function searchOffices(deps: ViewDeps, search: OfficeSearch, now: Date): Promise<OfficePage> {
  const snapshot = await deps.view.snapshot();
  const candidates: { office: OfficeWithNames; match?: OfficeFound['match'] }[] =
    search.q === undefined
      ? snapshot.inBusiness.map((office) => ({ office }))
      : matchOffices(snapshot, search.q).flatMap((hit, i) => {
          const office = snapshot.byId.get(hit.id);
          return office ? [{ office, match: { reason: hit.reason, matched: hit.matched, rank: i + 1 } }] : [];
        });
  const since = search.changedSince?.getTime();
  const matching: OfficeFound[] = [];
  let expiresAt: number | null = null;
  for (const { office, match } of candidates) {
    if (search.accountId !== undefined && office.account_id !== search.accountId) continue;
    if (search.districtCode !== undefined && office.district_code !== search.districtCode) continue;
    if (since !== undefined && !((snapshot.lastChangedAt(office.id)?.getTime() ?? -Infinity) > since)) continue;
    const at = snapshot.statusAt(office.id, now);
    if (search.status !== undefined) {
      // An office may move in or out of a status filter with time alone.
      expiresAt = earlier(expiresAt, at.expiresAt);
      if (at.status.status !== search.status) continue;
    }
    matching.push(match ? { office, status: at.status, match } : { office, status: at.status });
  }
  const from = pageStart(matching, search.cursor, search.q === undefined);
  const to = search.limit === undefined ? matching.length : Math.min(matching.length, from + search.limit);
  const offices = matching.slice(from, to);
  for (const o of offices) expiresAt = earlier(expiresAt, snapshot.statusAt(o.office.id, now).expiresAt);
  return {
    offices,
    total: matching.length,
    next: to < matching.length ? (offices.at(-1)?.office.id ?? null) : null,
    expiresAt,
  };
}

/** The office matcher's hits for a query, best first. */
function matchOffices(snapshot: OfficeSnapshot, q: string): SearchHit[] {
  return searchOfficeIndex(snapshot.index, q, { limit: SEARCH_RESULTS_MAX });
}

/**
 * Where a page starts: after the cursor's office. In a list ordered by id an office that
 * left the list meanwhile still places the cursor (the next id after it); in a search the
 * cursor's office must still be among the results, or there is nothing after it.
 */
function pageStart(matching: readonly OfficeFound[], cursor: string | undefined, byId: boolean): number {
  if (cursor === undefined) return 0;
  const at = matching.findIndex((o) => o.office.id === cursor);
  if (at !== -1) return at + 1;
  if (!byId) return matching.length;
  const next = matching.findIndex((o) => o.office.id > cursor);
  return next === -1 ? matching.length : next;
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
