import {
  appendAudit,
  appendNotice,
  eventMembers,
  markEventEnded,
  replaceNotice,
  statusesAt,
  unstartedEventNoticeIds,
} from '@jcp/db';
import { REGULAR_OPEN } from '@jcp/domain';
import { assertCovers } from '../offices/scope.js';
import type { WriteContext } from '../writes/run-write.js';
import { openEvent } from './owners.js';
import { readEvent, type EventDetail } from './read.js';

export interface EventEnded {
  event: EventDetail;
  reopenNoticeId: string | null;
  reopened: string[];
  /** Offices whose status comes from a notice outside the event. */
  leftAsIs: string[];
  cancelledScheduledNoticeIds: string[];
}

/**
 * Ends a disruption event: offices whose notice in force belongs to it are reopened by
 * one open notice, and its notices that have not started yet are cancelled. An office
 * closed since for another reason is left as it is. The caller needs scope over the
 * event's owners and over every office of the event.
 */
export async function endEvent(
  { trx, caller, now, settle }: WriteContext,
  input: { eventId: string; message?: string | undefined; urgent?: boolean | undefined },
): Promise<EventEnded> {
  const event = await openEvent(trx, input.eventId, caller);
  const members = await eventMembers(trx, event.id);
  const statuses = await statusesAt(
    trx,
    members.map((m) => m.id),
    now,
  );
  const notOpen = members
    .map((m) => ({ office: m, status: statuses.get(m.id) ?? REGULAR_OPEN }))
    .filter((m) => m.status.status !== 'open');
  const toReopen = notOpen.filter((m) => m.status.eventId === event.id).map((m) => m.office);
  const leftAsIs = notOpen.filter((m) => m.status.eventId !== event.id).map((m) => m.office.id);
  // Ending an event acts on all of it, so the caller must cover every office in it.
  assertCovers(caller, members);
  // The event's notices that have not started yet would close offices after the event
  // is over: they are cancelled.
  const scheduled = await unstartedEventNoticeIds(trx, event.id, now);
  for (const id of scheduled) await replaceNotice(trx, id, 'cancellation', null, caller.actor, now);
  let reopenNoticeId: string | null = null;
  if (toReopen.length > 0) {
    const notice = await appendNotice(
      trx,
      {
        officeIds: toReopen.map((o) => o.id),
        author: caller.actor,
        eventId: event.id,
        urgent: input.urgent ?? false,
        draft: {
          status: 'open',
          cause: null,
          message: input.message ?? null,
          activeFrom: now,
          activeUntil: null,
          expectedReopenAt: null,
          reopenCertainty: 'unknown',
        },
      },
      now,
    );
    reopenNoticeId = notice.id;
  }
  if (toReopen.length > 0 || scheduled.length > 0)
    await settle(
      members.map((o) => o.id),
      { reason: 'notice', actor: caller.actor },
    );
  await markEventEnded(trx, event.id, now);
  await appendAudit(trx, [
    {
      actor: caller.actor,
      action: 'event.end',
      entityType: 'event',
      entityId: event.id,
      after: { reopened: toReopen.length, leftAsIs: leftAsIs.length },
    },
  ]);
  return {
    event: await readEvent({ db: trx }, event.id),
    reopenNoticeId,
    reopened: toReopen.map((o) => o.id),
    leftAsIs,
    cancelledScheduledNoticeIds: scheduled,
  };
}
