import { randomUUID } from 'node:crypto';
import { addEventOffices, appendAudit, insertEvent } from '@jcp/db';
import { assertCovers, officesByIds } from '../offices/scope.js';
import type { WriteContext } from '../writes/run-write.js';
import { ownersAtStart } from './owners.js';
import { readEvent, type EventDetail } from './read.js';

export interface StartEventInput {
  name: string;
  description?: string | undefined;
  /** Offices affected so far. */
  offices?: readonly string[] | undefined;
}

/** Starts a disruption event; its owners are set now (see ownersAtStart) and never change. */
export async function startEvent(
  { trx, caller, now }: WriteContext,
  { name, description, offices = [] }: StartEventInput,
): Promise<EventDetail> {
  const targets = offices.length > 0 ? await officesByIds(trx, offices) : [];
  assertCovers(caller, targets);
  const id = randomUUID();
  const owners = ownersAtStart(caller, targets);
  await insertEvent(trx, {
    id,
    name,
    description: description ?? null,
    startedAt: now,
    createdBy: caller.actor,
    ownerDistrictCodes: owners.districtCodes,
    ownerAccountIds: owners.accountIds,
  });
  await addEventOffices(
    trx,
    id,
    targets.map((o) => o.id),
    now,
  );
  await appendAudit(trx, [
    {
      actor: caller.actor,
      action: 'event.create',
      entityType: 'event',
      entityId: id,
      after: { name, description, offices: targets.length, owners },
    },
  ]);
  return readEvent({ db: trx }, id);
}
