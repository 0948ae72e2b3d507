import { eventOfficeIds, findEvent, listEvents, type DB, type DisruptionEvent, type EventSummaryRow } from '@jcp/db';
import type { Kysely } from 'kysely';
import { fail } from '../problems.js';

/** A disruption event and the ids of its offices. */
export interface EventDetail {
  event: DisruptionEvent;
  officeIds: string[];
}

/** One disruption event and its offices (public). */
export async function readEvent(deps: { db: Kysely<DB> }, eventId: string): Promise<EventDetail> {
  const event = await findEvent(deps.db, eventId);
  if (!event) throw fail('EVENT_NOT_FOUND', `No disruption event ${eventId}`);
  return { event, officeIds: await eventOfficeIds(deps.db, eventId) };
}

/** Disruption events, newest first (public). */
export async function readEvents(
  deps: { db: Kysely<DB> },
  state: 'active' | 'ended' | 'all',
): Promise<EventSummaryRow[]> {
  return listEvents(deps.db, state);
}
