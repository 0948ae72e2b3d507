import type { Kysely } from 'kysely';
import type { DB, DisruptionEvent } from '../types.js';
import type { OfficeScope } from './offices.js';

/** Disruption events: the rows and their offices. Who may act on them is the use cases' business. */

export type EventSummaryRow = Pick<
  DisruptionEvent,
  'id' | 'name' | 'description' | 'started_at' | 'ended_at' | 'owner_district_codes' | 'owner_account_ids'
> & { office_count: number };

export async function findEvent(db: Kysely<DB>, id: string): Promise<DisruptionEvent | undefined> {
  return db.selectFrom('disruption_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertEvent(
  db: Kysely<DB>,
  event: {
    id: string;
    name: string;
    description: string | null;
    startedAt: Date;
    createdBy: string;
    ownerDistrictCodes: readonly string[];
    ownerAccountIds: readonly string[];
  },
): Promise<void> {
  await db
    .insertInto('disruption_events')
    .values({
      id: event.id,
      name: event.name,
      description: event.description,
      started_at: event.startedAt,
      created_by: event.createdBy,
      created_at: event.startedAt,
      owner_district_codes: [...event.ownerDistrictCodes],
      owner_account_ids: [...event.ownerAccountIds],
    })
    .execute();
}

/** Adds offices to an event (those already in it are left as they are); the ids added. */
export async function addEventOffices(
  db: Kysely<DB>,
  eventId: string,
  officeIds: readonly string[],
  at: Date,
): Promise<string[]> {
  if (officeIds.length === 0) return [];
  const added = await db
    .insertInto('disruption_event_offices')
    .values(officeIds.map((id) => ({ event_id: eventId, office_id: id, added_at: at })))
    .onConflict((oc) => oc.doNothing())
    .returning('office_id')
    .execute();
  return added.map((a) => a.office_id);
}

/** The ids of an event's offices, in order. */
export async function eventOfficeIds(db: Kysely<DB>, eventId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('disruption_event_offices')
    .select('office_id')
    .where('event_id', '=', eventId)
    .orderBy('office_id')
    .execute();
  return rows.map((r) => r.office_id);
}

/** The offices of an event still in business, in order. */
export async function eventMembers(db: Kysely<DB>, eventId: string): Promise<OfficeScope[]> {
  return db
    .selectFrom('disruption_event_offices as l')
    .innerJoin('offices as o', 'o.id', 'l.office_id')
    .select(['o.id', 'o.district_code', 'o.account_id', 'o.closed_permanently_on'])
    .where('l.event_id', '=', eventId)
    .where('o.closed_permanently_on', 'is', null)
    .orderBy('o.id')
    .execute();
}

/** Events newest first (at most 500), with how many offices each has. */
export async function listEvents(db: Kysely<DB>, state: 'active' | 'ended' | 'all'): Promise<EventSummaryRow[]> {
  let query = db
    .selectFrom('disruption_events as e')
    .select([
      'e.id',
      'e.name',
      'e.description',
      'e.started_at',
      'e.ended_at',
      'e.owner_district_codes',
      'e.owner_account_ids',
    ])
    .select((eb) =>
      eb
        .selectFrom('disruption_event_offices as l')
        .select((f) => f.fn.countAll<string>().as('n'))
        .whereRef('l.event_id', '=', 'e.id')
        .as('office_count'),
    )
    .orderBy('e.started_at', 'desc')
    .limit(500);
  if (state === 'active') query = query.where('e.ended_at', 'is', null);
  if (state === 'ended') query = query.where('e.ended_at', 'is not', null);
  const rows = await query.execute();
  return rows.map((e) => ({ ...e, office_count: Number(e.office_count ?? 0) }));
}

/** The event's notices that start after `now` and were neither cancelled nor corrected, oldest first. */
export async function unstartedEventNoticeIds(db: Kysely<DB>, eventId: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('status_notices as n')
    .select('n.id')
    .where('n.event_id', '=', eventId)
    .where('n.kind', '!=', 'cancellation')
    .where('n.active_from', '>', now)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('status_notices as r').select('r.id').whereRef('r.replaces_id', '=', 'n.id'))),
    )
    .orderBy('n.seq')
    .execute();
  return rows.map((r) => r.id);
}

export async function markEventEnded(db: Kysely<DB>, eventId: string, at: Date): Promise<void> {
  await db.updateTable('disruption_events').set({ ended_at: at }).where('id', '=', eventId).execute();
}
