import { plainText } from '@jcp/domain';
import type { DisruptionEvent, EventDetail, EventSummaryRow } from '@jcp/use-cases';
import { z } from 'zod';
import { iso, officeIdSchema, shownText } from '../../views.js';

// The disruption events' answer shapes and their one mapping from the stored event.

export const ownersSchema = z
  .object({
    districtCodes: z
      .array(z.string())
      .describe(
        'Districts; a manager has scope over one its token names, or whose every office in business it covers through its accounts',
      ),
    accountIds: z
      .array(z.string())
      .describe(
        'Accounts; a manager has scope over one its token names, or whose every office in business it covers through its districts',
      ),
  })
  .describe(
    'Who may add offices to the event, tie notices to it and end it: a manager with scope over every owner, or an admin (the offices written to must be in scope too, as for every write). ' +
      'Set when the event starts and never changed: the districts of its first offices (the account instead, for an office the manager covers only through an account); ' +
      "for an event started empty, the starting manager's districts and accounts (none when an admin started it: then only admins)",
  )
  .meta({ id: 'DisruptionEventOwners' });

export const eventSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    owners: ownersSchema,
    officeIds: z.array(officeIdSchema),
  })
  .meta({ id: 'DisruptionEvent' });

export const eventSummarySchema = eventSchema
  .omit({ officeIds: true })
  .extend({ officeCount: z.number().int() })
  .meta({ id: 'DisruptionEventSummary' });

type EventRow = Pick<
  DisruptionEvent,
  'id' | 'name' | 'description' | 'started_at' | 'ended_at' | 'owner_district_codes' | 'owner_account_ids'
>;

/** The fields of an event as the API sends them; names and descriptions stored before the API refused control and format characters are shown without them. */
function toEventFields(e: EventRow): Omit<z.infer<typeof eventSchema>, 'officeIds'> {
  return {
    id: e.id,
    name: plainText(e.name),
    description: shownText(e.description),
    startedAt: e.started_at.toISOString(),
    endedAt: iso(e.ended_at),
    owners: { districtCodes: e.owner_district_codes, accountIds: e.owner_account_ids },
  };
}

export function toEventResource({ event, officeIds }: EventDetail): z.infer<typeof eventSchema> {
  return { ...toEventFields(event), officeIds };
}

export function toEventSummary(e: EventSummaryRow): z.infer<typeof eventSummarySchema> {
  return { ...toEventFields(e), officeCount: e.office_count };
}
