import { addEventOffices, appendAudit } from '@jcp/db';
import { assertCovers, officesByIds } from '../offices/scope.js';
import type { WriteContext } from '../writes/run-write.js';
import { openEvent } from './owners.js';
import { readEvent, type EventDetail } from './read.js';

/**
 * Adds offices to an open event. The caller needs scope over the event's owners and over
 * the offices added: a manager cannot put offices of their own into another district's
 * event (which its managers could then not end), nor another district's offices into theirs.
 */
export async function addOfficesToEvent(
  { trx, caller, now }: WriteContext,
  input: { eventId: string; offices: readonly string[] },
): Promise<EventDetail> {
  const event = await openEvent(trx, input.eventId, caller);
  const targets = await officesByIds(trx, input.offices);
  assertCovers(caller, targets);
  const added = await addEventOffices(
    trx,
    event.id,
    targets.map((o) => o.id),
    now,
  );
  if (added.length > 0) {
    await appendAudit(trx, [
      {
        actor: caller.actor,
        action: 'event.add_offices',
        entityType: 'event',
        entityId: event.id,
        after: { offices: added },
      },
    ]);
  }
  return readEvent({ db: trx }, event.id);
}
